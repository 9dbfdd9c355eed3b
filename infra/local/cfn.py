"""Read template.yaml (CloudFormation short-form tags included) so local parts mirror the template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path | None = None) -> dict[str, Any]:
    with open(path or ROOT / "template.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def state_table_definition(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """CreateTable arguments for the state table, taken from its resource in template.yaml."""
    template = template or load_template()
    props = template["Resources"]["StateTable"]["Properties"]
    return {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }


def state_table_ttl_attribute(template: dict[str, Any] | None = None) -> str:
    template = template or load_template()
    return str(template["Resources"]["StateTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"])

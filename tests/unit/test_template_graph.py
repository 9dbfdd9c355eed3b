"""template.yaml, as CloudFormation will see it after the SAM transform, has no circular dependency.

cfn-lint reads the template before the transform, so it cannot see the edges SAM adds: the HTTP API's
generated definition refers to every function with an HttpApi event. A function (or Globals) that
refers to the API, e.g. for its own URL, closes a cycle that only fails at deploy time.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.local.cfn import load_template
from tests.support.iam import referenced_ids


class _NoManagedPolicies:
    """The transform looks managed policy names up in IAM; the template uses none by name."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():  # what `sam package` leaves: S3 locations
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if key in props:
                props[key] = "s3://bucket/artifact.zip"
    return transform(template, {}, _NoManagedPolicies())


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    graph = {}
    for name, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        refs = referenced_ids(resource.get("Properties", {}))
        refs |= set([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[name] = {r for r in refs if r in resources}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_transformed_template_has_no_circular_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    resources = transformed(load_template(), monkeypatch)["Resources"]
    assert "HttpApi" in resources
    assert find_cycle(dependencies(resources)) is None


def test_a_function_that_refers_to_its_own_api_is_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why API_BASE_URL comes from an SSM parameter: the direct reference would not deploy."""
    template = load_template()
    template["Globals"]["Function"]["Environment"]["Variables"]["API_BASE_URL"] = {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    cycle = find_cycle(dependencies(transformed(template, monkeypatch)["Resources"]))
    assert cycle is not None
    assert "HttpApi" in cycle

"""Lambda's size limit, checked on `sam build`'s output (`make build` runs this after it).

A function and all its layers may hold at most 250 MB unzipped (Lambda's quota, 262,144,000 bytes).
For every function of ``.aws-sam/build/template.yaml``: its folder plus the layers it gets (Globals'
and its own). A layer no function lists yet must still fit beside the Globals layers and the largest
function, so that attaching it cannot be the change that breaks a deploy. Prints each layer's size
and the largest functions; exits 1 when anything is over.

    python -m infra.build_sizes [--build-dir .aws-sam/build] [--show 5]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.cfn import load_template

LIMIT_BYTES = 262_144_000  # "250 MB": Lambda's unzipped deployment package quota, layers included
MB = 1024 * 1024


def tree_size(path: Path) -> int:
    """Bytes of every file below ``path`` as Lambda unzips them (links not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _refs(layers: Any) -> list[str]:
    return [str(item["Ref"]) for item in layers or [] if isinstance(item, dict) and "Ref" in item]


@dataclass(frozen=True)
class Unit:
    """A deployable function, or a layer not yet attached, with what it is measured with."""

    name: str
    own: int  # the function's folder (0 for a lone layer)
    layers: tuple[str, ...]

    def total(self, layer_sizes: dict[str, int]) -> int:
        return self.own + sum(layer_sizes[layer] for layer in self.layers)


def measure(build_dir: Path) -> tuple[dict[str, int], list[Unit]]:
    """Sizes of the built layers, and every unit to check against the limit."""
    template = load_template(build_dir / "template.yaml")
    resources: dict[str, Any] = template["Resources"]
    shared = _refs(template.get("Globals", {}).get("Function", {}).get("Layers"))
    layer_sizes = {
        name: tree_size(build_dir / str(resource["Properties"]["ContentUri"]))
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    units = [
        Unit(name, tree_size(build_dir / str(props["CodeUri"])), (*shared, *_refs(props.get("Layers"))))
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for props in [resource["Properties"]]
    ]
    attached = {layer for unit in units for layer in unit.layers}
    largest = max((unit.own for unit in units), default=0)
    units += [
        Unit(f"{layer} (not attached yet), beside the largest function", largest, (*shared, layer))
        for layer in layer_sizes
        if layer not in attached
    ]
    return layer_sizes, units


def report(layer_sizes: dict[str, int], units: list[Unit], show: int) -> tuple[list[str], list[str]]:
    """(lines to print, the units over the limit)."""
    lines = [f"layer {name}: {size / MB:.1f} MB" for name, size in sorted(layer_sizes.items())]
    ranked = sorted(units, key=lambda unit: unit.total(layer_sizes), reverse=True)
    for unit in ranked[:show]:
        lines.append(
            f"{unit.name}: {unit.total(layer_sizes) / MB:.1f} MB of {LIMIT_BYTES / MB:.0f} MB "
            f"(code {unit.own / MB:.1f} MB + {', '.join(unit.layers) or 'no layers'})"
        )
    over = [unit.name for unit in ranked if unit.total(layer_sizes) > LIMIT_BYTES]
    return lines, over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--show", type=int, default=5, help="how many of the largest functions to print")
    args = parser.parse_args(argv)
    layer_sizes, units = measure(args.build_dir)
    lines, over = report(layer_sizes, units, args.show)
    print("\n".join(lines))
    if over:
        print(f"over Lambda's 250 MB unzipped limit: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Builds one Lambda layer's python/ folder: what every layer Makefile runs (`sam build` calls them).

    python build_layer.py TARGET --requirements R [--shared R2 ...] [--constraints R3 ...] [--package DIR]

- Wheels are chosen for the Lambda target, not for the build machine: CPython 3.12 on arm64 (Amazon
  Linux 2023, glibc 2.34), binary wheels only, so psycopg-binary, pydantic-core, cryptography, Pillow
  are the Lambda builds.
- ``--shared``: the requirements of a layer every function using this one also has (the common layer).
  Their versions constrain this install, and the distributions they bring are removed from it: Lambda
  counts every layer's unzipped size against the 250 MB limit, and one copy of pydantic is enough.
- ``--constraints``: requirements of a layer that may sit beside this one in some function (the AI
  layer beside the export layer): versions are aligned, nothing is removed.
- ``--package``: a source package copied in beside the wheels (``describe_it``).
- ``.pyc`` files are compiled by ``--python312`` when it is a working 3.12: /opt is read-only at run
  time, so without them every cold start compiles again (unchecked-hash: the files never change).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

# manylinux2014 = glibc 2.17; newer wheels carry only a manylinux_2_NN tag, up to AL2023's glibc 2.34.
PLATFORMS = ["manylinux2014_aarch64", *(f"manylinux_2_{v}_aarch64" for v in range(17, 35))]
TARGET_FLAGS = [
    *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
    *("--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:"),
]
# --no-warn-conflicts: pip would compare the layer with the environment it runs in (SAM's own venv).
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
INSTALL = [*PIP, "install", "--no-warn-conflicts"]


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def constraint_lines(requirements: Path) -> list[str]:
    """A requirements file as pip constraints: pins without extras (pip refuses extras there)."""
    lines = []
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(re.sub(r"\[[^\]]*\]", "", line))
    return lines


def resolved_names(requirements: Iterable[Path]) -> set[str]:
    """Every distribution pip would install for these requirements on the Lambda target."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        args = [arg for path in requirements for arg in ("--requirement", str(path))]
        subprocess.run(  # noqa: S603 - our own interpreter's pip
            # --target only because pip allows the platform options with it; a dry run writes nothing.
            [*INSTALL, "--dry-run", "--target", scratch, "--report", str(report), *args, *TARGET_FLAGS],
            check=True,
        )
        return {canonical(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}


def remove_distributions(target: Path, names: set[str]) -> list[str]:
    """Delete the installed distributions named (the files their RECORD lists); returns them."""
    removed = []
    for info in sorted(target.glob("*.dist-info")):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        match = re.search(r"^Name: *(\S+)", metadata, re.MULTILINE)
        if match is None or canonical(match.group(1)) not in names:
            continue
        for row in (info / "RECORD").read_text(encoding="utf-8").splitlines():
            path = (target / row.split(",", 1)[0]).resolve()
            if path.is_relative_to(target.resolve()) and path.is_file():
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
        removed.append(canonical(match.group(1)))
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def compile_bytecode(target: Path, python312: str | None) -> None:
    probe = [python312, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"] if python312 else None
    if probe is None or subprocess.run(probe, capture_output=True, check=False).returncode != 0:  # noqa: S603
        print("note: no python3.12; the layer ships without .pyc files", file=sys.stderr)
        return
    assert python312 is not None
    command = [python312, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    if subprocess.run([*command, str(target)], stdout=subprocess.DEVNULL, check=False).returncode:  # noqa: S603
        print("note: some files did not compile (they are compiled at import instead)", file=sys.stderr)


def build(
    target: Path,
    requirements: Path,
    shared: list[Path],
    constraints: list[Path],
    package: Path | None,
    python312: str | None,
) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        pins = Path(scratch) / "constraints.txt"
        pins.write_text(
            "\n".join(line for path in [*shared, *constraints] for line in constraint_lines(path))
        )
        subprocess.run(  # noqa: S603 - our own interpreter's pip
            [
                *INSTALL,
                "--no-compile",
                "--upgrade",
                "--target",
                str(target),
                "--requirement",
                str(requirements),
                "--constraint",
                str(pins),
                *TARGET_FLAGS,
            ],
            check=True,
        )
    if shared:
        removed = remove_distributions(target, resolved_names(shared))
        print(f"left to the shared layer: {', '.join(removed) or 'nothing'}", file=sys.stderr)
    if package is not None:
        shutil.copytree(package, target / package.name)
    shutil.rmtree(target / "bin", ignore_errors=True)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    compile_bytecode(target, python312)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("target", type=Path, help="the layer's python/ folder ($(ARTIFACTS_DIR)/python)")
    parser.add_argument("--requirements", type=Path, required=True)
    parser.add_argument("--shared", type=Path, action="append", default=[])
    parser.add_argument("--constraints", type=Path, action="append", default=[])
    parser.add_argument("--package", type=Path)
    parser.add_argument("--python312", default="python3.12")
    args = parser.parse_args(argv)
    build(args.target, args.requirements, args.shared, args.constraints, args.package, args.python312)
    return 0


if __name__ == "__main__":
    sys.exit(main())

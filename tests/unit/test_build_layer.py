"""layers/build_layer.py: the parts that decide what a layer holds (the pip runs happen in `make build`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_layer", ROOT / "layers" / "build_layer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_layer", module)
    spec.loader.exec_module(module)
    return module


build_layer = _module()


def _install(target: Path, name: str, files: dict[str, str]) -> None:
    info = target / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    rows = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{row},,\n" for row in rows))
    for path, text in files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text)


def test_what_the_shared_layer_has_is_removed_and_the_rest_kept(tmp_path: Path) -> None:
    _install(tmp_path, "pydantic-core", {"pydantic_core/__init__.py": "", "pydantic_core/core.so": "bin"})
    _install(tmp_path, "typing_extensions", {"typing_extensions.py": ""})
    _install(tmp_path, "anthropic", {"anthropic/__init__.py": "", "anthropic/types/message.py": ""})
    outside = tmp_path.parent / "outside.txt"  # pip records scripts as ../../bin/...: never ours to delete
    outside.write_text("not the layer's")
    record = tmp_path / "pydantic_core-1.0.dist-info" / "RECORD"
    record.write_text(record.read_text() + "../outside.txt,,\n")

    removed = build_layer.remove_distributions(tmp_path, {"pydantic-core", "typing-extensions"})

    assert sorted(removed) == ["pydantic-core", "typing-extensions"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "anthropic-1.0.dist-info/METADATA",
        "anthropic-1.0.dist-info/RECORD",
        "anthropic/__init__.py",
        "anthropic/types/message.py",
    ]
    assert not (tmp_path / "pydantic_core").exists()  # emptied folders go too
    assert outside.exists()


def test_requirements_become_constraints_without_extras(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\npsycopg[binary]==3.3.9\nPyJWT[crypto]==2.15.1  # why\n-r other.txt\nfsrs==6.3.2\n"
    )
    assert build_layer.constraint_lines(requirements) == ["psycopg==3.3.9", "PyJWT==2.15.1", "fsrs==6.3.2"]

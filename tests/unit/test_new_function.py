"""`make new-function`: what it writes passes the checks every function must pass, and it never
overwrites. The scaffold runs into a copy of the tree; the template, IAM, event, settings and import
budget tests then run there, on the new functions only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from infra.new_function import MARKER, ScaffoldError, parse, write

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("functions", "events", "infra", "tests")
CHECKS = [
    "tests/integration/test_template.py",
    "tests/unit/test_iam_coverage.py",
    "tests/unit/test_events.py",
    "tests/unit/test_settings_required.py",
    "tests/unit/test_import_budgets.py",
    "tests/unit/test_handler_stack.py",  # every function ends on make_handler or job_handler
]


def tree_copy(target: Path) -> Path:
    """The parts of the tree the scaffold writes to or the checks read, copied; the layer linked."""
    for folder in COPIED:
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("template.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)
    (target / "layers").symlink_to(ROOT / "layers")
    return target


def run(root: Path, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", tool, *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600, check=False)


def test_a_new_function_passes_the_checks_of_every_function(tmp_path: Path) -> None:
    root = tree_copy(tmp_path)
    write(parse("probe_things", "/api/probe/things/{id}", "GET,PATCH,DELETE", "required", "app"), root)
    write(parse("probe_public", "/api/probe/public", "POST", "none", "app"), root)

    lint = run(root, "ruff", "check", "functions", "tests/integration/functions")
    assert lint.returncode == 0, lint.stdout
    report = tmp_path / "report.xml"
    # (test_settings_required names functions by logical id: ProbeThingsFunction)
    wanted = "probe_things or probe_public or ProbeThings or ProbePublic or runs_under_the_stack"
    checks = run(
        root, "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", "-k", wanted, *CHECKS
    )

    assert checks.returncode == 0, checks.stdout[-4000:]
    ran = [case.get("name", "") for case in ElementTree.parse(report).iter("testcase")]
    assert any("runs_under_the_stack" in case for case in ran), "the handler stack check did not run"
    for name, logical_id in (("probe_things", "ProbeThings"), ("probe_public", "ProbePublic")):
        checked = [case for case in ran if name in case or logical_id in case]
        assert len(checked) >= 10, f"{name}: only {checked} ran"


def test_it_writes_the_block_at_the_marker_and_refuses_to_overwrite(tmp_path: Path) -> None:
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    spec = parse("probe_lists", "/api/auth/probe-lists", "get,post", "required", "auth")

    written = write(spec, tmp_path)

    template = (tmp_path / "template.yaml").read_text()
    block = template[template.index("  ProbeListsFunction:") : template.index(MARKER)]
    assert "Environment: {Variables: {DB_ROLE: auth}}" in block
    assert "Policies: [!Ref AuthFunctionPolicy]" in block
    assert 'Path: "/api/auth/probe-lists"' in block
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= {
        "functions/probe_lists/app.py",
        "events/probe_lists/get.json",
        "events/probe_lists/post.json",
        "tests/integration/functions/test_probe_lists.py",
        "template.yaml",
    }
    handler = (tmp_path / "functions/probe_lists/app.py").read_text()
    assert handler.count("@router.") == 2

    (tmp_path / "functions/probe_lists/app.py").write_text("# the engineer's work\n")
    with pytest.raises(ScaffoldError, match="refusing to overwrite"):
        write(spec, tmp_path)
    assert (tmp_path / "functions/probe_lists/app.py").read_text() == "# the engineer's work\n"
    assert (tmp_path / "template.yaml").read_text() == template


def test_a_route_the_template_already_has_is_refused(tmp_path: Path) -> None:
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    with pytest.raises(ScaffoldError, match="already routes /api/vocabulary/lists"):
        write(parse("vocabulary_lists_again", "/api/vocabulary/lists", "GET", "required", "app"), tmp_path)
    assert not (tmp_path / "functions").exists()


@pytest.mark.parametrize(
    ("name", "route", "methods", "auth", "db"),
    [
        ("VocabularyLists", "/api/vocabulary/lists", "GET", "required", "app"),
        ("vocabulary_lists", "/vocabulary/lists", "GET", "required", "app"),
        ("vocabulary_lists", "/api/vocabulary/lists", "FETCH", "required", "app"),
        ("vocabulary_lists", "/api/vocabulary/lists", "GET", "maybe", "app"),
        ("vocabulary_lists", "/api/vocabulary/lists", "GET", "required", "none"),
    ],
)
def test_bad_arguments_are_refused(name: str, route: str, methods: str, auth: str, db: str) -> None:
    with pytest.raises(ScaffoldError):
        parse(name, route, methods, auth, db)

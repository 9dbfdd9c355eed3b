"""Import budgets: what each function may load at import time (cold start is a feature).

Measured in modules, not milliseconds, so the check is deterministic on a shared machine; the
timings live in bench/RESULTS.md. A fresh interpreter imports each function with sockets disabled:
nothing may connect at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.functions import names

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BUDGET = 700  # modules, third-party included
BUDGETS: dict[str, int] = {}
NO_DATABASE = {"health", "fallback", "describe_language", "images_proxy"}
# Heavy or sensitive packages and who may import them at import time.
FORBIDDEN = {
    "anthropic": set(),  # only the generation functions (none of them import it at module level either)
    "boto3": set(),  # boto3 clients are built on first use
    "argon2": set(),  # hashing is loaded when a password is checked
    "PIL": set(),  # Pillow (the AI/image layer) is imported inside the functions that process images
    # The offline language toolkit's libraries (AI/language layer, ~19 MB and ~57 MB with its data) are
    # imported inside describe_it.language's functions, on first use.
    "simplemma": set(),
    "wordfreq": set(),
    # Functions that use the database may load the driver at init (Lambda's init phase runs at full
    # CPU); the ones that never touch it must not pay for it.
    "psycopg": set(names()) - NO_DATABASE,
}

PROBE = r"""
import json, socket, sys
def refuse(*a, **k):
    raise RuntimeError("network at import time")
socket.socket.connect = refuse
socket.create_connection = refuse
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app  # noqa
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("function", names())
def test_function_import_budget(function: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "AWS_ENDPOINT"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function), str(ROOT / "layers/common/python")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    budget = BUDGETS.get(function, DEFAULT_BUDGET)
    assert len(modules) <= budget, f"{function} imports {len(modules)} modules (budget {budget})"
    for package, allowed in FORBIDDEN.items():
        if function not in allowed:
            assert package not in modules, f"{function} imports {package} at import time"

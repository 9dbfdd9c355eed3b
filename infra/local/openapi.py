"""The OpenAPI document, generated from every function's router; `make openapi` refreshes openapi.json.

The checked-in file is the contract clients read; tests/unit/test_openapi_drift.py fails when the code
and the file disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_FILE = ROOT / "openapi.json"


def generate() -> dict[str, Any]:
    from describe_it.http.app import create_app
    from infra.local.functions import http_functions

    routers = [module.router for _, module in sorted(http_functions().items())]
    app = create_app(*routers, docs=True, title="Describe It API")
    return app.openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render(generate())
    if "--write" in argv:
        OPENAPI_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {OPENAPI_FILE.relative_to(ROOT)}")
        return 0
    if OPENAPI_FILE.exists() and OPENAPI_FILE.read_text(encoding="utf-8") == text:
        print("openapi.json is up to date")
        return 0
    print("openapi.json differs from the code: run `make openapi`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

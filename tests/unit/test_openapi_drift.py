"""The checked-in openapi.json is exactly what the code generates."""

from __future__ import annotations

from infra.local.openapi import OPENAPI_FILE, generate, render


def test_openapi_file_matches_code():
    assert OPENAPI_FILE.exists(), "openapi.json is missing: run `make openapi`"
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render(generate()), (
        "openapi.json has drifted from the code: run `make openapi` and commit the result"
    )


def test_every_operation_documents_its_policy():
    document = generate()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "x-describeit-policy" in operation, f"{method.upper()} {path} has no policy"

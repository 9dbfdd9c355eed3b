"""The init-phase warm-up (describe_it/http/warmup.py): in Lambda, importing a function builds the
DynamoDB client and the token verifier its routes need, without touching the network; anywhere else,
nothing; and a warm-up that fails leaves the import working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from describe_it.auth.keys import generate_signing_key

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, socket, sys
def refuse(*a, **k):
    raise RuntimeError("network at import time")
socket.socket.connect = refuse
socket.create_connection = refuse
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app  # noqa
from describe_it.aws import client
from describe_it.auth.tokens import get_token_verifier
print(json.dumps({
    "clients": client.cache_info().currsize,
    "verifiers": get_token_verifier.cache_info().currsize,
    "boto3": "boto3" in sys.modules,
}))
"""


def _import(function: str, **env: str) -> tuple[dict[str, object], str]:
    kid, _, public = generate_signing_key()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "AWS_", "JWT_"))}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function), str(ROOT / "layers/common/python")],
        capture_output=True,
        text=True,
        env={
            **base,
            # What Lambda puts in every function's environment: the role's credentials, the region.
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEEXAMPLE00",
            "AWS_SECRET_ACCESS_KEY": "example-secret-key-for-a-unit-test-000000",
            "AWS_SESSION_TOKEN": "example-session-token",
            "AWS_REGION": "us-east-1",
            "JWT_PUBLIC_KEYS": json.dumps({kid: public}),
            **env,
        },
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1]), run.stdout


def test_in_the_lambda_init_phase_the_first_requests_clients_are_built_at_import() -> None:
    state, _ = _import("auth_me", AWS_LAMBDA_INITIALIZATION_TYPE="on-demand")
    assert state == {"clients": 1, "verifiers": 1, "boto3": True}


def test_a_function_without_tokens_or_limits_prepares_nothing() -> None:
    state, _ = _import("health", AWS_LAMBDA_INITIALIZATION_TYPE="on-demand")
    assert state == {"clients": 0, "verifiers": 0, "boto3": False}


def test_outside_lambda_nothing_is_built_at_import() -> None:
    state, _ = _import("auth_me")
    assert state == {"clients": 0, "verifiers": 0, "boto3": False}


def test_a_failing_warm_up_is_logged_by_class_and_the_import_still_works() -> None:
    state, out = _import("auth_me", AWS_LAMBDA_INITIALIZATION_TYPE="on-demand", JWT_PUBLIC_KEYS="{}")
    assert state["clients"] == 1 and state["verifiers"] == 0
    skipped = [json.loads(line) for line in out.splitlines() if "init warm-up skipped" in line]
    assert [line["step"] for line in skipped] == ["token-verifier"]
    assert skipped[0]["error"] == "RuntimeError"  # "no token verification keys configured"

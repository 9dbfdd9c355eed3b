"""Settings fail closed outside the local stage: a missing required setting stops the function at cold
start with one log line that names it (never a value); the local defaults apply only locally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from describe_it.settings import Settings, SettingsError, get_settings

ROOT = Path(__file__).resolve().parents[2]

# What template.yaml gives every function (Globals), with made-up values.
AWS_ENV = {
    "STAGE": "aws",
    "APP_BASE_URL": "https://app.example.com",
    "API_BASE_URL_PARAMETER": "/describe-it/api-base-url",
    "IP_HASH_SECRET": "pepper-from-secrets-manager-0451",
    "JWT_ISSUER": "https://app.example.com",
    "STATE_TABLE": "describe-it-StateTable-1A2B3C",
}
REQUIRED_IN_AWS = [
    "APP_BASE_URL",
    "API_BASE_URL|API_BASE_URL_PARAMETER",
    "IP_HASH_SECRET",
    "JWT_ISSUER",
    "STATE_TABLE",
]


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``environ(NAME=value, ...)``: exactly these settings in the environment (nothing inherited)."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    get_settings.cache_clear()

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


def test_without_a_stage_or_lambda_it_is_the_local_stage_with_its_defaults(environ: Callable[..., None]):
    environ()
    settings = get_settings()
    assert settings.stage == "local"
    assert settings.missing_required() == []
    assert settings.api_base_url == "http://127.0.0.1:8000"


def test_an_explicit_local_stage_needs_nothing(environ: Callable[..., None]):
    environ(STAGE="local", AWS_LAMBDA_FUNCTION_NAME="sam-local-invoke")
    assert get_settings().missing_required() == []


def test_the_aws_stage_with_what_the_template_sets_starts(environ: Callable[..., None]):
    environ(**AWS_ENV)
    settings = get_settings()
    assert settings.stage == "aws"
    assert settings.missing_required() == []


def test_the_aws_stage_names_every_missing_setting(environ: Callable[..., None]):
    environ(STAGE="aws")
    assert Settings().missing_required() == REQUIRED_IN_AWS


@pytest.mark.parametrize("name", sorted(set(AWS_ENV) - {"STAGE"}))
def test_each_required_setting_is_required_on_its_own(environ: Callable[..., None], name: str):
    environ(**{k: v for k, v in AWS_ENV.items() if k != name})
    (missing,) = Settings().missing_required()
    assert name in missing.split("|")


def test_either_an_api_base_url_or_its_parameter_will_do(environ: Callable[..., None]):
    env = {k: v for k, v in AWS_ENV.items() if k != "API_BASE_URL_PARAMETER"}
    environ(**env, API_BASE_URL="https://api.example.com")
    settings = get_settings()
    assert settings.missing_required() == []
    assert settings.api_base_url == "https://api.example.com"


def test_a_lambda_without_stage_is_not_taken_for_the_local_stack(environ: Callable[..., None]):
    """Lambda sets AWS_LAMBDA_FUNCTION_NAME: without STAGE the function would run as "local"
    (console e-mail, local key file, demo data); it refuses instead."""
    environ(
        **{k: v for k, v in AWS_ENV.items() if k != "STAGE"}, AWS_LAMBDA_FUNCTION_NAME="describe-it-Signin"
    )
    assert Settings().missing_required() == ["STAGE"]


def test_a_function_on_the_database_proxy_needs_a_database_login(environ: Callable[..., None]):
    environ(**AWS_ENV, DB_HOST_OVERRIDE="proxy.example.internal")
    assert Settings().missing_required() == ["DB_<ROLE>_SECRET_ARN"]
    environ(DB_AUTH_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:auth")
    assert Settings().missing_required() == []


def test_get_settings_refuses_with_one_log_line_naming_the_missing_settings(
    environ: Callable[..., None], capsys: pytest.CaptureFixture[str]
):
    environ(STAGE="aws", IP_HASH_SECRET=AWS_ENV["IP_HASH_SECRET"], JWT_ISSUER="https://issuer.example")

    with pytest.raises(SettingsError) as raised:
        get_settings()

    (line,) = capsys.readouterr().err.strip().splitlines()
    logged = json.loads(line)
    assert logged["level"] == "ERROR"
    assert logged["message"] == "missing required settings"
    assert logged["settings"] == ["APP_BASE_URL", "API_BASE_URL|API_BASE_URL_PARAMETER", "STATE_TABLE"]
    assert "APP_BASE_URL" in str(raised.value)
    for value in (AWS_ENV["IP_HASH_SECRET"], "https://issuer.example"):
        assert value not in line
        assert value not in str(raised.value)


def test_an_invalid_setting_is_named_without_its_value(
    environ: Callable[..., None], capsys: pytest.CaptureFixture[str]
):
    # pydantic's own message would quote the input, which could be a secret pasted in the wrong place.
    environ(**AWS_ENV, DB_POOL_MAX_SIZE="hunter2-secret-value")

    with pytest.raises(SettingsError) as raised:
        get_settings()

    line = capsys.readouterr().err.strip()
    assert json.loads(line)["settings"] == ["DB_POOL_MAX_SIZE"]
    assert "hunter2" not in line
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# --- a real function's cold start ---------------------------------------------------------------------

IMPORT_FUNCTION = "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import app; print('started')"


def cold_start(function: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import ``functions/<function>/app.py`` in a fresh interpreter, as Lambda's init phase does."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            IMPORT_FUNCTION,
            str(ROOT / "functions" / function),
            str(ROOT / "layers/common/python"),
        ],
        capture_output=True,
        text=True,
        env={**base, "AWS_REGION": "us-east-1", **env},
        timeout=120,
        check=False,
    )


def test_a_function_missing_a_setting_in_aws_stops_at_cold_start_with_one_clear_line():
    env = {k: v for k, v in AWS_ENV.items() if k not in ("STAGE", "STATE_TABLE")}
    result = cold_start("auth_signin", {**env, "AWS_LAMBDA_FUNCTION_NAME": "describe-it-AuthSignin"})

    assert result.returncode != 0
    assert "started" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.stderr[-2000:]
    assert json.loads(lines[0])["settings"] == ["STAGE", "STATE_TABLE"]
    assert "SettingsError: missing required settings: STAGE, STATE_TABLE" in result.stderr
    assert AWS_ENV["IP_HASH_SECRET"] not in result.stderr + result.stdout


def test_the_same_function_with_the_template_settings_starts():
    result = cold_start("auth_signin", {**AWS_ENV, "AWS_LAMBDA_FUNCTION_NAME": "describe-it-AuthSignin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "started" in result.stdout


# --- the template gives every function what it requires ----------------------------------------------


def _template_functions() -> dict[str, dict[str, object]]:
    from infra.local.cfn import load_template

    template = load_template()
    defaults = {name: p["Default"] for name, p in template.get("Parameters", {}).items() if "Default" in p}
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            own = (resource["Properties"].get("Environment") or {}).get("Variables", {})
            found[logical_id] = {
                name: _as_deployed(value, defaults) for name, value in {**shared, **own}.items()
            }
    return found


def _as_deployed(value: object, defaults: dict[str, object]) -> object:
    """A parameter's default stands for its ``!Ref`` (a number must still parse); other computed values
    stay as they are and become placeholders below."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in defaults:
        return str(defaults[value["Ref"]])
    return value


@pytest.mark.parametrize(("logical_id", "variables"), sorted(_template_functions().items()))
def test_every_template_function_has_its_required_settings(
    environ: Callable[..., None], logical_id: str, variables: dict[str, object]
):
    # Values CloudFormation computes (!Ref, !Sub …) become placeholders: only presence matters here.
    environ(
        **{name: value if isinstance(value, str) else f"<{name}>" for name, value in variables.items()},
        AWS_LAMBDA_FUNCTION_NAME=logical_id,
    )
    assert get_settings().missing_required() == []

"""template.yaml against the code: every route the gateway sends somewhere is served by that function's
router (and nothing else), every function folder is deployed, each function gets only the database role
and secrets it needs, and every HTTP function has sample events that hit its own routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.local.cfn import load_template
from tests.support.lambda_invoke import load_function

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
EVENTS = ROOT / "events"
MIGRATIONS = ROOT / "layers/common/python/describe_it/db/migrations"

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE.get("Globals", {}).get("Function", {})

# The functions of the first release and their paths (spec §3). Folders still being written are skipped
# while missing; anything not listed here is checked by the generic tests only.
EXPECTED_PATHS: dict[str, set[str]] = {
    "health": {"/api/health"},
    "monitoring_health": {"/api/monitoring/health"},
    "auth_signup": {"/api/auth/signup"},
    "auth_signin": {"/api/auth/signin"},
    "auth_refresh": {"/api/auth/refresh"},
    "auth_signout": {"/api/auth/signout"},
    "auth_me": {"/api/auth/me"},
    "auth_verify_email": {"/api/auth/verify-email"},
    "auth_resend_verification": {"/api/auth/resend-verification"},
    "auth_forgot_password": {"/api/auth/forgot-password"},
    "auth_reset_password": {"/api/auth/reset-password"},
    "auth_reset_password_validate": {"/api/auth/reset-password/validate"},
    "auth_update_password": {"/api/auth/update-password"},
    "settings": {"/api/settings", "/api/settings/save"},
    "settings_sync": {"/api/settings/sync"},
    "settings_apikeys": {"/api/settings/apikeys"},
    "settings_apikeys_validate": {"/api/settings/apikeys/validate"},
    "images_search": {"/api/images/search", "/api/images/search-edge"},
    "images_proxy": {"/api/images/proxy"},
    "qa_generate": {"/api/qa/generate"},
    "phrases_extract": {"/api/phrases/extract"},
    "translate": {"/api/translate"},
    "fallback": {"$default"},
    "migrate": set(),
    "email_sender": set(),
    "describe_language": set(),
}
PENDING = {"settings", "settings_sync", "settings_apikeys", "settings_apikeys_validate"}

# Database role per function (schema.md §1): auth routes and the e-mail sender use describeit_auth,
# admin routes describeit_admin, every other data route describeit_app; these touch no database.
NO_DATABASE = {"health", "fallback", "describe_language", "images_proxy"}
AUTH_ROLE_FUNCTIONS = {"email_sender"}
ADMIN_PATHS = {
    "/api/analytics/dashboard",
    "/api/analytics/export",
    "/api/admin/analytics",
    "/api/admin/users",
    "/api/admin/users/{id}",
    "/api/monitoring/metrics",
    "/api/monitoring/resource-usage",
    "/api/cache/status",
    "/api/storage/cleanup",
}
ROLE_SECRET_ENV = {"app": "DB_APP_SECRET_ARN", "auth": "DB_AUTH_SECRET_ARN", "admin": "DB_ADMIN_SECRET_ARN"}


def pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _functions() -> dict[str, tuple[str, dict[str, Any]]]:
    """folder name -> (logical id, properties) for every AWS::Serverless::Function."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for logical_id, resource in RESOURCES.items():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            name = Path(str(props["CodeUri"])).name
            assert name not in found, f"two template functions share functions/{name}/"
            found[name] = (logical_id, props)
    return found


TEMPLATE_FUNCTIONS = _functions()
FOLDERS = sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def http_paths(props: dict[str, Any]) -> set[str]:
    return {
        str(event["Properties"]["Path"])
        for event in (props.get("Events") or {}).values()
        if event.get("Type") == "HttpApi"
    }


HTTP_FUNCTIONS = sorted(name for name, (_, props) in TEMPLATE_FUNCTIONS.items() if http_paths(props))
ALL_ROUTED_PATHS = {path for _, props in TEMPLATE_FUNCTIONS.values() for path in http_paths(props)}


def environment(props: dict[str, Any]) -> dict[str, Any]:
    merged = dict(GLOBAL_FUNCTION.get("Environment", {}).get("Variables", {}))
    merged.update((props.get("Environment") or {}).get("Variables", {}))
    return merged


def require_folder(name: str) -> None:
    if not (FUNCTIONS / name / "app.py").exists():
        if name in PENDING:
            pytest.skip(f"functions/{name}/ is not written yet")
        pytest.fail(f"template.yaml deploys functions/{name}/ but functions/{name}/app.py does not exist")


def expected_role(name: str, paths: set[str]) -> str | None:
    if name in NO_DATABASE:
        return None
    if name in AUTH_ROLE_FUNCTIONS or any(p.startswith("/api/auth/") for p in paths):
        return "auth"
    if paths & ADMIN_PATHS:
        return "admin"
    return "app"


# --- functions and folders ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FOLDERS)
def test_every_function_folder_is_deployed(name: str):
    assert name in TEMPLATE_FUNCTIONS, f"functions/{name}/ has no AWS::Serverless::Function in template.yaml"


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_template_function_has_its_folder_handler_and_name(name: str):
    logical_id, props = TEMPLATE_FUNCTIONS[name]
    assert props["CodeUri"] == f"functions/{name}/"
    assert props["Handler"] == "app.lambda_handler"
    assert logical_id == f"{pascal(name)}Function"
    require_folder(name)
    assert callable(load_function(name).lambda_handler)


@pytest.mark.parametrize("name", sorted(EXPECTED_PATHS))
def test_release_functions_serve_the_paths_of_the_route_index(name: str):
    assert name in TEMPLATE_FUNCTIONS, f"template.yaml has no function for functions/{name}/"
    assert http_paths(TEMPLATE_FUNCTIONS[name][1]) == EXPECTED_PATHS[name]


# --- routes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_gateway_routes_equal_the_function_router(name: str):
    """The gateway sends a path to exactly one function, and that function's router declares it."""
    require_folder(name)
    module = load_function(name)
    template_paths = http_paths(TEMPLATE_FUNCTIONS[name][1]) - {"$default"}
    if not hasattr(module, "router"):  # the fallback: no routes of its own
        assert not template_paths, (
            f"functions/{name} has no router, yet the gateway routes {template_paths} there"
        )
        return
    assert {route.path for route in module.router.routes} == template_paths


def test_each_path_is_routed_to_one_function_with_any():
    """ANY so OPTIONS and unserved methods reach the app (preflight 204, 405 with Allow)."""
    owners: dict[str, str] = {}
    for name, (_, props) in TEMPLATE_FUNCTIONS.items():
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            path = event["Properties"]["Path"]
            assert event["Properties"].get("Method") == "ANY", f"{name}: {path} must use Method ANY"
            assert event["Properties"].get("ApiId") == {"Ref": "HttpApi"}
            assert path not in owners, f"{path} is routed to both {owners[path]} and {name}"
            owners[path] = name
    assert owners.get("$default") == "fallback"


def test_health_route_is_throttled_by_the_gateway_not_dynamodb():
    stage = RESOURCES["HttpApi"]["Properties"]
    assert "ANY /api/health" in stage["RouteSettings"]
    assert {"ThrottlingBurstLimit", "ThrottlingRateLimit"} <= set(stage["DefaultRouteSettings"])
    policies = TEMPLATE_FUNCTIONS["health"][1].get("Policies") or []
    assert not [p for p in policies if isinstance(p, dict) and "DynamoDBCrudPolicy" in p]
    assert "VpcConfig" not in TEMPLATE_FUNCTIONS["health"][1]


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_http_functions_stop_before_the_gateway_does(name: str):
    timeout = TEMPLATE_FUNCTIONS[name][1].get("Timeout", GLOBAL_FUNCTION["Timeout"])
    assert timeout < 30, "HTTP API integrations time out at 30 s; the function must answer first"


# --- database roles and secrets -----------------------------------------------------------------------


def _policies(props: dict[str, Any]) -> list[Any]:
    """The function's policies, with both branches of a conditional one (``!If``)."""
    found: list[Any] = []
    for policy in props.get("Policies") or []:
        if isinstance(policy, dict) and "Fn::If" in policy:
            found += [branch for branch in policy["Fn::If"][1:] if branch != {"Ref": "AWS::NoValue"}]
        else:
            found.append(policy)
    return found


def _secret_policies(props: dict[str, Any]) -> list[Any]:
    return [
        p["AWSSecretsManagerGetSecretValuePolicy"]["SecretArn"]
        for p in _policies(props)
        if isinstance(p, dict) and "AWSSecretsManagerGetSecretValuePolicy" in p
    ]


def _layers(props: dict[str, Any]) -> list[Any]:
    return [*GLOBAL_FUNCTION.get("Layers", []), *(props.get("Layers") or [])]


# The server's Anthropic key: readable only by the functions that call Claude (the AI layer's).
ANTHROPIC_SECRET = {"Ref": "AnthropicApiKeySecretArn"}


@pytest.mark.parametrize("name", sorted(set(TEMPLATE_FUNCTIONS) - {"migrate"}))
def test_function_gets_only_its_database_role(name: str):
    _, props = TEMPLATE_FUNCTIONS[name]
    env = environment(props)
    role = expected_role(name, http_paths(props))
    secret_vars = {var for var in ROLE_SECRET_ENV.values() if var in env}
    readable = _secret_policies(props)
    if {"Ref": "AiLayer"} in _layers(props):
        readable = [arn for arn in readable if arn != ANTHROPIC_SECRET]
    if role is None:
        assert not secret_vars
        assert "VpcConfig" not in props, f"{name} uses no database and belongs outside the VPC"
        # At most the public key set, for a route that verifies tokens.
        expected = [{"Ref": "JwtPublicKeysSecret"}] if "JWT_PUBLIC_KEYS_SECRET_ARN" in env else []
        assert readable == expected
        return
    secret = {"app": "AppDbSecret", "auth": "AuthDbSecret", "admin": "AdminDbSecret"}[role]
    assert secret_vars == {ROLE_SECRET_ENV[role]}
    assert env[ROLE_SECRET_ENV[role]] == {"Ref": secret}
    assert env["DB_HOST_OVERRIDE"] == {"Fn::GetAtt": "DbProxy.Endpoint"}
    assert "VpcConfig" in props
    assert props["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "FunctionSecurityGroup"}]
    # Its own role secret and the JWT keys: the signing secret only for auth functions (they mint
    # tokens), the public key set for everyone else; nothing more.
    assert {"Ref": secret} in readable
    jwt_secret = "JwtSigningKeySecret" if name.startswith("auth_") else "JwtPublicKeysSecret"
    assert all(arn in ({"Ref": secret}, {"Ref": jwt_secret}) for arn in readable)
    jwt_env = "JWT_SECRET_ARN" if name.startswith("auth_") else "JWT_PUBLIC_KEYS_SECRET_ARN"
    if jwt_env in env:
        assert {"Ref": jwt_secret} in readable
        assert env[jwt_env] == {"Ref": jwt_secret}


def test_migrate_runs_as_the_master_user_straight_to_the_instance():
    _, props = TEMPLATE_FUNCTIONS["migrate"]
    env = environment(props)
    assert env["DB_MASTER_SECRET_ARN"] == {"Fn::GetAtt": "Database.MasterUserSecret.SecretArn"}
    assert env["DB_HOST_OVERRIDE"] == {"Fn::GetAtt": "Database.Endpoint.Address"}
    assert {ROLE_SECRET_ENV[r] for r in ROLE_SECRET_ENV} <= set(env)
    assert props["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "MigrationSecurityGroup"}]
    assert props["Timeout"] >= 120


def test_migrations_version_names_the_newest_migration():
    """CloudFormation reruns the migration function only when a property of Migrations changes."""
    files = sorted(p.stem for p in MIGRATIONS.glob("*.sql"))
    if not files:
        pytest.skip("no migrations yet")
    migrations = RESOURCES["Migrations"]
    assert migrations["Type"] == "Custom::Migrations"
    assert migrations["Properties"]["ServiceToken"] == {"Fn::GetAtt": "MigrateFunction.Arn"}
    assert migrations["Properties"]["Version"] == files[-1], (
        f"set Migrations.Properties.Version in template.yaml to {files[-1]!r}"
    )


def test_proxy_authenticates_the_three_login_roles_over_tls():
    proxy = RESOURCES["DbProxy"]["Properties"]
    assert proxy["RequireTLS"] is True
    assert {a["IAMAuth"] for a in proxy["Auth"]} == {"DISABLED"}
    assert [a["SecretArn"] for a in proxy["Auth"]] == [
        {"Ref": "AppDbSecret"},
        {"Ref": "AuthDbSecret"},
        {"Ref": "AdminDbSecret"},
    ]
    for role in ("app", "auth", "admin"):
        generated = RESOURCES[f"{role.capitalize()}DbSecret"]["Properties"]["GenerateSecretString"]
        assert json.loads(generated["SecretStringTemplate"])["username"] == f"describeit_{role}"


# --- the layer ----------------------------------------------------------------------------------------


def test_every_function_uses_the_common_layer_built_by_its_makefile():
    layer = RESOURCES["CommonLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert {"Ref": "CommonLayer"} in GLOBAL_FUNCTION["Layers"]
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text()
    assert "build-CommonLayer:" in makefile
    assert (ROOT / layer["Properties"]["ContentUri"] / "python" / "describe_it" / "__init__.py").exists()


# The functions that call Claude or process images (Pillow): the only ones carrying the AI layer.
AI_FUNCTIONS = {"describe_language", "images_proxy", "qa_generate", "phrases_extract", "translate"}


def test_anthropic_is_packaged_only_in_the_ai_layer():
    common = (ROOT / "layers/common/requirements.txt").read_text()
    ai = (ROOT / "layers/ai/requirements.txt").read_text()
    assert "anthropic" not in common.lower()
    assert any(line.startswith("anthropic==") for line in ai.splitlines())
    layer = RESOURCES["AiLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/ai/"
    assert {"Ref": "AiLayer"} not in GLOBAL_FUNCTION.get("Layers", [])


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_only_ai_functions_carry_the_ai_layer_and_the_anthropic_secret(name: str):
    _, props = TEMPLATE_FUNCTIONS[name]
    has_layer = {"Ref": "AiLayer"} in _layers(props)
    assert has_layer == (name in AI_FUNCTIONS)
    if not has_layer:
        assert ANTHROPIC_SECRET not in _secret_policies(props)
        assert "ANTHROPIC_API_KEY_SECRET_ARN" not in environment(props)


def test_the_describe_task_reads_only_normalised_images_and_the_workflow_invokes_it():
    _, props = TEMPLATE_FUNCTIONS["describe_language"]
    statements = [
        statement
        for policy in _policies(props)
        if isinstance(policy, dict) and "Statement" in policy
        for statement in policy["Statement"]
    ]
    s3 = [s for s in statements if "s3:GetObject" in str(s.get("Action"))]
    assert [s["Resource"] for s in s3] == [{"Fn::Sub": "${ExportsBucket.Arn}/tmp/images/*"}]
    assert {"KMSDecryptPolicy": {"KeyId": {"Ref": "UserKeysKey"}}} in _policies(props)
    assert props["Timeout"] >= 120  # the asynchronous path's 120 s per branch
    machine = RESOURCES["DescribeStateMachine"]["Properties"]
    assert machine["Type"] == "EXPRESS"
    assert machine["DefinitionUri"] == "infra/statemachines/describe.asl.json"
    assert machine["DefinitionSubstitutions"] == {
        "DescribeLanguageFunctionArn": {"Fn::GetAtt": "DescribeLanguageFunction.Arn"}
    }
    assert machine["Logging"]["IncludeExecutionData"] is False  # the input holds the sealed key


# --- sample events ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_function_has_sample_events(name: str):
    assert sorted((EVENTS / name).glob("*.json")), f"events/{name}/ has no sample event"


def test_every_events_folder_belongs_to_a_function():
    folders = {p.name for p in EVENTS.iterdir() if p.is_dir()}
    assert folders <= set(TEMPLATE_FUNCTIONS)


def _http_event_cases() -> list[tuple[str, Path]]:
    return [(name, path) for name in HTTP_FUNCTIONS for path in sorted((EVENTS / name).glob("*.json"))]


@pytest.mark.parametrize(("name", "event_path"), _http_event_cases(), ids=lambda v: getattr(v, "stem", v))
def test_http_sample_event_targets_its_function(name: str, event_path: Path):
    event = json.loads(event_path.read_text())
    assert event["version"] == "2.0"
    path = event["rawPath"]
    assert event["requestContext"]["http"]["path"] == path
    assert event["requestContext"]["routeKey"] == event["routeKey"]
    paths = http_paths(TEMPLATE_FUNCTIONS[name][1])
    if paths == {"$default"}:
        # The fallback sees only what no route matched.
        assert path not in ALL_ROUTED_PATHS
        assert event["routeKey"] == "$default"
    else:
        # A route with {parameters} matches any value in that segment; its routeKey names the template.
        matching = [p for p in paths if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", p), path)]
        assert matching, f"{event_path.name}: {path} is not routed to {name}"
        assert event["routeKey"] in {f"ANY {p}" for p in matching}

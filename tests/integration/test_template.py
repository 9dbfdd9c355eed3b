"""template.yaml against the code: every route the gateway sends somewhere is served by that function's
router (and nothing else), every function folder is deployed, each function gets only the database role
and secrets it needs (its DB_ROLE and its role's managed policy, checked on SAM's own translation too),
a library layer exactly where the code imports from it, and every HTTP function has sample events that
hit its own routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.local.cfn import load_template
from tests.support import iam
from tests.support.lambda_invoke import load_function
from tests.support.sam import transformed

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
NO_DATABASE = {"health", "fallback", "describe_language", "images_proxy", "descriptions_jobs"}
# No database and nothing private to reach: outside the VPC (their block replaces the Globals VpcConfig
# with AWS::NoValue). Health and the fallback stay in it like every other function.
OUTSIDE_VPC = {"describe_language", "images_proxy"}
# The functions that call Claude or process images (Pillow): the only ones carrying the AI layer.
AI_FUNCTIONS = {
    "describe_language",
    "images_proxy",
    "qa_generate",
    "phrases_extract",
    "translate",
    "descriptions_generate",
}
# The server's Anthropic key: readable only by the functions that call Claude.
ANTHROPIC_SECRET = "AnthropicApiKeySecretArn"
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
ROLE_POLICY = {"app": "AppFunctionPolicy", "auth": "AuthFunctionPolicy", "admin": "AdminFunctionPolicy"}
# What each role's policy lets its functions read: their login, and the signing key (auth functions
# mint tokens) or the public key set (everyone else verifies them).
ROLE_SECRETS = {
    "app": {"AppDbSecret", "JwtPublicKeysSecret"},
    "auth": {"AuthDbSecret", "JwtSigningKeySecret"},
    "admin": {"AdminDbSecret", "JwtPublicKeysSecret"},
}
# Background functions that keep what they specially need instead of a role's policy.
OWN_POLICIES = {"migrate", "email_sender"}
# What SAM gives every function's role: logs, ENIs in the VPC, traces. (SAM adds the VPC one also to a
# function whose VpcConfig is AWS::NoValue: it sees a VpcConfig property; without subnets it is unused.)
BASIC_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


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


def managed_refs(props: dict[str, Any]) -> list[str]:
    """The managed policies of this template a function lists (``!Ref SomePolicy``), in order."""
    return [str(p["Ref"]) for p in props.get("Policies") or [] if isinstance(p, dict) and set(p) == {"Ref"}]


def is_conditional_policy(policy: Any) -> bool:
    """``!If [Condition, !Ref SomePolicy, !Ref AWS::NoValue]``: a managed policy that exists only when
    the stack has what it grants (the server's Anthropic key)."""
    return (
        isinstance(policy, dict)
        and set(policy) == {"Fn::If"}
        and policy["Fn::If"][2] == {"Ref": "AWS::NoValue"}
        and isinstance(policy["Fn::If"][1], dict)
        and set(policy["Fn::If"][1]) == {"Ref"}
    )


TRANSFORMED: dict[str, Any] = transformed(TEMPLATE)["Resources"]


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
    assert props.get("Handler", GLOBAL_FUNCTION.get("Handler")) == "app.lambda_handler"
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
    grants = iam.grants(TEMPLATE_FUNCTIONS["health"][1], RESOURCES, "health")
    assert not [g for g in grants if g.allows("dynamodb:UpdateItem") or g.allows("dynamodb:GetItem")]


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_http_functions_stop_before_the_gateway_does(name: str):
    timeout = TEMPLATE_FUNCTIONS[name][1].get("Timeout", GLOBAL_FUNCTION["Timeout"])
    if name in SELF_INVOKED:
        # Its asynchronous invocations run 120 s branches; its HTTP path ends by its own deadline.
        from describe_it.generation.service import ASYNC_DEADLINE_S, SYNC_DEADLINE_S

        assert SYNC_DEADLINE_S + 3 < 30 and timeout > ASYNC_DEADLINE_S
        return
    assert timeout < 30, "HTTP API integrations time out at 30 s; the function must answer first"


# HTTP functions that also run their own asynchronous invocations (InvocationType=Event).
SELF_INVOKED = {"descriptions_generate"}


# --- database roles and secrets -----------------------------------------------------------------------


def test_every_function_is_given_the_database_settings_by_globals():
    """One place for what every function of every role needs; DB_ROLE picks among the logins."""
    env = GLOBAL_FUNCTION["Environment"]["Variables"]
    assert env["DB_HOST_OVERRIDE"] == {"Fn::GetAtt": "DbProxy.Endpoint"}
    for role, variable in ROLE_SECRET_ENV.items():
        assert env[variable] == {"Ref": f"{role.capitalize()}DbSecret"}
    assert env["JWT_SECRET_ARN"] == {"Ref": "JwtSigningKeySecret"}
    assert env["JWT_PUBLIC_KEYS_SECRET_ARN"] == {"Ref": "JwtPublicKeysSecret"}
    assert "DB_ROLE" not in env, "DB_ROLE is each function's own choice"
    assert GLOBAL_FUNCTION["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "FunctionSecurityGroup"}]


@pytest.mark.parametrize("role", sorted(ROLE_POLICY))
def test_each_role_policy_reads_its_login_and_token_keys_only(role: str):
    grants = iam.grants({"Policies": [{"Ref": ROLE_POLICY[role]}]}, RESOURCES, ROLE_POLICY[role])
    readable = {r for g in grants if g.allows("secretsmanager:GetSecretValue") for r in g.resources}
    assert readable == ROLE_SECRETS[role]
    assert all(not g.allows("secretsmanager:PutSecretValue") for g in grants)


@pytest.mark.parametrize("name", sorted(set(TEMPLATE_FUNCTIONS) - {"migrate"}))
def test_function_gets_only_its_database_role(name: str):
    logical_id, props = TEMPLATE_FUNCTIONS[name]
    role = expected_role(name, http_paths(props))
    assert environment(props).get("DB_ROLE") == role
    if role is not None:
        assert RESOURCES[logical_id].get("DependsOn") == "Migrations", "schema first, then the code"
    listed = managed_refs(props)
    role_policies = [p for p in listed if p in ROLE_POLICY.values()]
    if name in OWN_POLICIES or role is None:
        assert role_policies == [], f"{name} has no role policy: it lists what it needs itself"
    else:
        assert role_policies == [ROLE_POLICY[role]], f"{name} is a function of the {role} role"
        # Its login and token keys come with the role's policy, never from a secret policy of its own.
        assert all(
            (isinstance(p, dict) and set(p) == {"Ref"}) or is_conditional_policy(p)
            for p in props.get("Policies") or []
        )
    # Whatever else it lists: no other role's login, the signing key only for the auth role, the
    # server's Anthropic key only for the functions that call Claude.
    grants = iam.grants(props, RESOURCES, name)
    readable = {r for g in grants if g.allows("secretsmanager:GetSecretValue") for r in g.resources}
    allowed = ROLE_SECRETS[role] if role else {"JwtPublicKeysSecret"}
    assert readable <= allowed | ({ANTHROPIC_SECRET} if name in AI_FUNCTIONS else set())


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_sam_gives_each_function_its_own_role_with_exactly_its_policies(name: str):
    """What CloudFormation receives: the function's own role, holding SAM's basics and the managed
    policies its block lists, in order; and the function in the VPC, with the layers of Globals."""
    logical_id, props = TEMPLATE_FUNCTIONS[name]
    function = TRANSFORMED[logical_id]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
    role = TRANSFORMED[f"{logical_id}Role"]["Properties"]
    arns = role["ManagedPolicyArns"]
    assert set(arns[: len(BASIC_MANAGED_POLICIES)]) == BASIC_MANAGED_POLICIES
    listed = [p for p in props.get("Policies") or [] if set(p) == {"Ref"} or is_conditional_policy(p)]
    assert arns[len(BASIC_MANAGED_POLICIES) :] == listed
    if name not in OWN_POLICIES:
        assert "Policies" not in role, f"{name}: inline statements belong in a managed policy"
    groups = "MigrationSecurityGroup" if name == "migrate" else "FunctionSecurityGroup"
    if name in OUTSIDE_VPC:
        assert function["VpcConfig"] == {"Ref": "AWS::NoValue"}, f"{name} runs outside the VPC"
    else:
        assert function["VpcConfig"]["SecurityGroupIds"] in (
            [{"Ref": groups}],
            {"Fn::Split": [",", {"Ref": groups}]},  # one id as an intrinsic: replaces the Globals list
        )
    # SAM names each layer version after its content (CommonLayer<hash>); Globals' layer comes first.
    own = [str(ref["Ref"]) for ref in props.get("Layers") or []]
    layers = [str(ref["Ref"]) for ref in function["Layers"]]
    assert [TRANSFORMED[layer]["Type"] for layer in layers] == ["AWS::Lambda::LayerVersion"] * len(layers)
    assert len(layers) == 1 + len(own)
    assert all(layer.startswith(source) for layer, source in zip(layers, ["CommonLayer", *own], strict=True))


def test_migrate_runs_as_the_master_user_straight_to_the_instance():
    _, props = TEMPLATE_FUNCTIONS["migrate"]
    env = environment(props)
    assert env["DB_MASTER_SECRET_ARN"] == {"Fn::GetAtt": "Database.MasterUserSecret.SecretArn"}
    assert env["DB_HOST_OVERRIDE"] == {"Fn::GetAtt": "Database.Endpoint.Address"}
    assert {ROLE_SECRET_ENV[r] for r in ROLE_SECRET_ENV} <= set(env)
    assert "DB_ROLE" not in env  # it connects as the master user, with no login role's pool
    assert props["Timeout"] >= 120


def test_the_email_sender_sends_through_ses_explicitly():
    """In AWS an unset EMAIL_SENDER makes the sender refuse, and "console" refuses at cold start."""
    assert environment(TEMPLATE_FUNCTIONS["email_sender"][1])["EMAIL_SENDER"] == "ses"


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


LAYERS = sorted(n for n, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::LayerVersion")


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_is_built_by_its_makefile_for_the_lambda_target(layer: str):
    resource = RESOURCES[layer]
    assert resource["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert resource["Properties"]["CompatibleRuntimes"] == [GLOBAL_FUNCTION["Runtime"]]
    folder = ROOT / resource["Properties"]["ContentUri"]
    assert f"build-{layer}:" in (folder / "Makefile").read_text()
    assert (folder / "requirements.txt").exists()


def test_every_function_uses_the_common_layer():
    assert GLOBAL_FUNCTION["Layers"] == [{"Ref": "CommonLayer"}]
    folder = ROOT / RESOURCES["CommonLayer"]["Properties"]["ContentUri"]
    assert (folder / "python" / "describe_it" / "__init__.py").exists()
    assert "anthropic" not in (folder / "requirements.txt").read_text(), "anthropic is the AI layer's"


def _layer_packages() -> dict[str, set[str]]:
    """Layer -> the top-level packages its direct requirements install (anthropic, PIL, fpdf ...)."""
    import importlib.metadata

    providers = importlib.metadata.packages_distributions()  # the dev venv has every layer installed
    found: dict[str, set[str]] = {}
    for layer in set(LAYERS) - {"CommonLayer"}:
        requirements = ROOT / RESOURCES[layer]["Properties"]["ContentUri"] / "requirements.txt"
        names = {
            re.split(r"[=<>\[ ;]", line.split("#", 1)[0].strip(), maxsplit=1)[0].lower().replace("_", "-")
            for line in requirements.read_text().splitlines()
            if line.split("#", 1)[0].strip()
        }
        found[layer] = {
            package
            for package, dists in providers.items()
            if {d.lower().replace("_", "-") for d in dists} & names
        }
    return found


LAYER_PACKAGES = _layer_packages()


def _imported_packages(function: str) -> set[str]:
    """Top-level packages imported anywhere (lazily included) in the layer modules a function reaches."""
    import ast

    packages: set[str] = set()
    for module in iam.reach(function).modules:
        path = iam.module_file(module)
        assert path is not None
        for node in ast.walk(iam.parse(path)):
            if isinstance(node, ast.Import):
                packages |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                packages.add(node.module.split(".")[0])
    return packages


# The walk sees modules, not call paths: a function can reach a module that imports a layer's library
# inside a function it never calls. Function -> {layer: why it never loads it}.
_EXPORT_HISTORY = (
    "export.history imports export.files for its format table only (FILE_FORMATS, kind_for); "
    "files.write_file, which loads the writers, runs in export_generate and export_worker"
)
LAYER_NOT_LOADED: dict[str, dict[str, str]] = {
    "export_list": {"ExportLayer": _EXPORT_HISTORY},
    "export_item": {"ExportLayer": _EXPORT_HISTORY},
    "export_download": {"ExportLayer": _EXPORT_HISTORY},
    "images_search": {
        "AiLayer": "the catalogue names images by URL (a data URI is only parsed, normalize.parse_data_uri); "
        "Pillow decodes in normalize's re-encoding, which the proxy and the describe task call"
    },
}


def _layers_imported(name: str) -> dict[str, list[str]]:
    imported = _imported_packages(name)
    return {layer: sorted(packages & imported) for layer, packages in LAYER_PACKAGES.items()}


@pytest.mark.parametrize(
    ("name", "layer"), [(name, layer) for name, layers in LAYER_NOT_LOADED.items() for layer in layers]
)
def test_each_layer_not_loaded_entry_still_hides_an_import(name: str, layer: str):
    assert _layers_imported(name)[layer], f"LAYER_NOT_LOADED[{name!r}][{layer!r}] hides nothing: remove it"


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_a_function_lists_a_library_layer_exactly_when_its_code_imports_from_it(name: str):
    """anthropic, Pillow, the language data and the export writers stay out of the functions that never
    load them (Lambda counts every layer against 250 MB, and deploys it), and in the ones that do."""
    require_folder(name)
    listed = {str(ref["Ref"]) for ref in TEMPLATE_FUNCTIONS[name][1].get("Layers") or []}
    for layer, uses in _layers_imported(name).items():
        packages = sorted(LAYER_PACKAGES[layer])
        if uses and layer not in LAYER_NOT_LOADED.get(name, {}):
            assert layer in listed, f"{name} imports {uses}: add `Layers: [!Ref {layer}]` to its block"
        else:
            assert layer not in listed, f"{name} lists {layer} but imports none of {packages}"


def test_anthropic_is_packaged_only_in_the_ai_layer():
    ai = (ROOT / "layers/ai/requirements.txt").read_text()
    assert any(line.startswith("anthropic==") for line in ai.splitlines())
    assert RESOURCES["AiLayer"]["Properties"]["ContentUri"] == "layers/ai/"


@pytest.mark.parametrize("name", sorted(TEMPLATE_FUNCTIONS))
def test_only_ai_functions_carry_the_ai_layer_and_may_read_the_anthropic_key(name: str):
    """Every function is told the key's secret ARN (Globals); only AnthropicKeyPolicy lets one read it."""
    _, props = TEMPLATE_FUNCTIONS[name]
    assert ({"Ref": "AiLayer"} in (props.get("Layers") or [])) == (name in AI_FUNCTIONS)
    grants = iam.grants(props, RESOURCES, name)
    reads_key = any(g.allows("secretsmanager:GetSecretValue") and g.covers(ANTHROPIC_SECRET) for g in grants)
    assert not reads_key or name in AI_FUNCTIONS, "only the functions that call Claude read its key"


def test_outside_the_vpc_only_functions_without_a_database():
    inside = {name for name, (_, props) in TEMPLATE_FUNCTIONS.items() if "VpcConfig" not in props}
    outside = {
        name
        for name, (_, props) in TEMPLATE_FUNCTIONS.items()
        if props.get("VpcConfig") == {"Ref": "AWS::NoValue"}
    }
    assert outside == OUTSIDE_VPC
    assert OUTSIDE_VPC <= NO_DATABASE
    assert inside | outside | {"migrate"} == set(TEMPLATE_FUNCTIONS)


def test_the_describe_task_reads_only_normalised_images_and_the_workflow_invokes_it():
    _, props = TEMPLATE_FUNCTIONS["describe_language"]
    grants = iam.grants(props, RESOURCES, "describe_language")
    s3 = [g for g in grants if g.allows("s3:GetObject")]
    assert s3 and all(g.resources == {"ExportsBucket"} for g in s3)
    statement = RESOURCES["ReadNormalisedImagesPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Resource"] for s in statement] == [
        [{"Fn::Sub": "${ExportsBucket.Arn}/tmp/images/*"}, {"Fn::Sub": "${ExportsBucket.Arn}/images/*"}]
    ]
    assert "UserKeysDecryptPolicy" in managed_refs(props)
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

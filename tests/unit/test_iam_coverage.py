"""Every AWS call a function's code can make is granted by its role in template.yaml.

A missing permission shows only in AWS, as a 500 on the first request that needs it (the apikeys save
once called KMS GenerateDataKey with only kms:Encrypt granted). So:

- ``AWS_CALLS`` says which IAM actions each layer module calls, and which setting names the resource
  it calls them on (the state table, a secret, the KMS key). It is guarded against rot: every module
  that takes an AWS client must be listed, every listed action must appear in the module's source as
  its operation name, and every operation of those services the module calls must be listed.
- For each function: the modules it can reach (static walk from its app.py, lazy imports included),
  the calls those modules make given the function's environment, and the statements of its role
  (SAM policy templates expanded from samtranslator's own definitions, inline statements, managed
  policies of the template, or a shared ``Role:``) must cover each call, on the resource its setting
  names. Where the code picks one of several settings (every function is given the three database
  login secrets; its DB_ROLE selects one), the test asks ``Settings`` itself, built from the
  function's template environment, which one it picks.
- Least privilege: every managed policy a function lists beyond its database role's must grant a call
  the function makes.

The walk sees modules, not call paths, so it can report a call a function never makes; such a call is
listed in ``NOT_CALLED`` with the reason, and an entry that no longer matches anything fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from unittest import mock

import pytest
from botocore import xform_name

from describe_it.settings import DbRole, Settings
from infra.local.cfn import load_template
from tests.support import iam

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE.get("Parameters", {})
GLOBAL_ENV: dict[str, Any] = (
    TEMPLATE.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
)


@dataclass(frozen=True)
class Calls:
    """IAM actions a module (or one of its top-level functions) calls.

    ``settings``: the environment variables that name the resource of the calls. The code calls AWS
    only when one of them is set in the function's environment (each module checks), and the role
    must allow the actions on the resource each set one refers to. ``NAME=value`` only switches the
    calls on (the value is not a resource). Empty: always called, on no resource of the template.
    """

    actions: frozenset[str]
    settings: tuple[str, ...] = ()
    # Instead of ``settings``: the resources the code picks, asked of the function's Settings (values
    # of the template environment); None when it picks none.
    picks: Callable[[Settings], Iterable[str | None]] | None = None


def calls(
    *actions: str,
    settings: tuple[str, ...] = (),
    picks: Callable[[Settings], Iterable[str | None]] | None = None,
) -> Calls:
    return Calls(frozenset(actions), settings, picks)


STATE_TABLE = ("STATE_TABLE",)
DB_SECRETS = ("DB_APP_SECRET_ARN", "DB_AUTH_SECRET_ARN", "DB_ADMIN_SECRET_ARN")
JWT_SECRETS = ("JWT_SECRET_ARN", "JWT_PUBLIC_KEYS_SECRET_ARN")
DB_ROLES: tuple[DbRole, ...] = ("app", "auth", "admin")


def login_secrets(settings: Settings) -> list[str | None]:
    """The login secrets a function may connect with (db/pool.py): its DB_ROLE's only."""
    return [settings.db_secret_arn(role) for role in DB_ROLES if settings.may_use_db_role(role)]


def token_key_secrets(settings: Settings) -> list[str | None]:
    """The key secrets ``auth.keys.load_key_set`` reads: signing (auth functions) or the public set."""
    return [settings.token_signing_secret_arn(), settings.token_public_keys_secret_arn()]


# Keys: a module; "module:function" for calls only that top-level function makes (so the functions
# that merely import the module are not asked to hold its write permissions); "module:Class.member"
# for calls made by a property or method, needed by functions whose code reads that member.
AWS_CALLS: dict[str, Calls] = {
    "describe_it.settings:Settings.api_base_url": calls(
        "ssm:GetParameter", settings=("API_BASE_URL_PARAMETER",)
    ),
    "describe_it.runtime._dynamo": calls(),  # builds the state-table client; its users call it
    "describe_it.http.warmup": calls(),  # builds the DynamoDB client at init (no call); its users call it
    "describe_it.runtime.rate_limit": calls("dynamodb:UpdateItem", settings=STATE_TABLE),
    "describe_it.runtime.circuit": calls("dynamodb:UpdateItem", "dynamodb:GetItem", settings=STATE_TABLE),
    "describe_it.runtime.cache": calls(
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        settings=STATE_TABLE,
    ),
    "describe_it.runtime.idempotency": calls(
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        settings=STATE_TABLE,
    ),
    "describe_it.runtime.revocations": calls("dynamodb:PutItem", "dynamodb:GetItem", settings=STATE_TABLE),
    "describe_it.auth.lockout": calls("dynamodb:GetItem", "dynamodb:UpdateItem", settings=STATE_TABLE),
    # Large idempotent responses (runtime/idempotency.py); only functions with an idempotent route store them.
    "describe_it.runtime.blobs": calls("s3:PutObject", "s3:GetObject", settings=("EXPORT_BUCKET",)),
    # Export files: uploads and the local stack's downloads; a presigned URL calls nothing, but it works
    # only if the signing role may GetObject.
    "describe_it.runtime.blobs:BlobStore.put_file": calls("s3:PutObject", settings=("EXPORT_BUCKET",)),
    "describe_it.runtime.blobs:BlobStore.read_chunks": calls("s3:GetObject", settings=("EXPORT_BUCKET",)),
    "describe_it.runtime.blobs:BlobStore.presign_get": calls("s3:GetObject", settings=("EXPORT_BUCKET",)),
    "describe_it.export.dispatch": calls("lambda:InvokeFunction", settings=("EXPORT_WORKER_FUNCTION",)),
    "describe_it.health.service": calls("dynamodb:GetItem", settings=STATE_TABLE),
    "describe_it.images.quota": calls("dynamodb:GetItem", "dynamodb:UpdateItem", settings=STATE_TABLE),
    "describe_it.db.pool": calls("secretsmanager:GetSecretValue", picks=login_secrets),
    "describe_it.db.migrate": calls(
        "secretsmanager:GetSecretValue", settings=("DB_MASTER_SECRET_ARN", *DB_SECRETS)
    ),
    "describe_it.auth.keys": calls("secretsmanager:GetSecretValue", picks=token_key_secrets),
    "describe_it.auth.keys:ensure_signing_keys": calls(
        "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", settings=JWT_SECRETS
    ),
    "describe_it.auth.keys:rotate_signing_keys": calls(
        "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", settings=JWT_SECRETS
    ),
    "describe_it.apikeys.crypto": calls(
        "kms:GenerateDataKey", "kms:Decrypt", settings=("API_KEYS_KMS_KEY_ID", "USER_KEYS_KMS_KEY_ID")
    ),
    "describe_it.email.outbox": calls("lambda:InvokeFunction", settings=("EMAIL_SENDER_FUNCTION",)),
    "describe_it.email.sender": calls("ses:SendEmail", settings=("EMAIL_SENDER=ses",)),
    # The server's token budget for Claude (ai/budget.py): reserve, read, settle.
    "describe_it.ai.budget": calls("dynamodb:UpdateItem", "dynamodb:GetItem", settings=STATE_TABLE),
    # Generation (describe_it/generation): single-flight locks, job records, the workflow, self-invocation.
    "describe_it.runtime.locks": calls(
        "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem", settings=STATE_TABLE
    ),
    "describe_it.runtime.jobs": calls(
        "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", settings=STATE_TABLE
    ),
    "describe_it.generation.workflow": calls(
        "states:StartSyncExecution", settings=("DESCRIBE_STATE_MACHINE_ARN",)
    ),
    # Invokes the function it runs in (AWS_LAMBDA_FUNCTION_NAME, set by Lambda itself).
    "describe_it.generation.dispatch:_invoke_self": calls("lambda:InvokeFunction"),
    # The server's Anthropic key, only when the stack is given its secret.
    "describe_it.ai.keys": calls("secretsmanager:GetSecretValue", settings=("ANTHROPIC_API_KEY_SECRET_ARN",)),
}

# The one place where a module builds clients for everyone (``client(service)``): not a caller itself.
CLIENT_FACTORY = "describe_it.aws"

# IAM action -> API operation, where the two names differ.
OPERATION_OF = {"lambda:InvokeFunction": "Invoke"}
# IAM prefix -> botocore services whose operations count as calls of that prefix.
SERVICES_OF = {"ses": ("sesv2", "ses"), "states": ("stepfunctions",)}

# Calls of a listed module's services that are not AWS calls (same name, another object).
LOOKALIKES: dict[str, dict[str, str]] = {
    "describe_it.apikeys.crypto": {"encrypt": "AESGCM(key).encrypt seals the secret under the data key"},
}

# Calls the walk reports but the function never makes: function -> {action pattern: why}.
# The cache's purge (runtime/cache.py TwoTierCache.delete_prefix) scans the table behind the admin cache
# routes only (AdminFunctionPolicy: CachePurge); the other roles' policies have no Scan.
CACHE_PURGE = {
    "dynamodb:Scan": "the function reads and writes cache entries; TwoTierCache.delete_prefix (a purge) "
    "runs behind the admin cache routes only",
}

NOT_CALLED: dict[str, dict[str, str]] = {
    "health": {
        "dynamodb:*": "liveness touches no dependency (its route has no burst limit, auth or "
        "idempotency); the readiness probes of health.service run in monitoring_health",
    },
    "fallback": {
        "secretsmanager:GetSecretValue": "it has no routes of its own, so nothing authenticates a token "
        "(http/route.py ApiRoute does); its 404 answers before any verification",
    },
    "settings_apikeys_validate": {
        "kms:GenerateDataKey": "validate only decrypts a stored key (ApiKeysService.validate); "
        "saving keys is PUT /api/settings/apikeys",
    },
    "describe_language": {
        "kms:GenerateDataKey": "the task only opens the user's key the route sealed for it (ai/keys.py "
        "unseal → decrypt); sealing happens in the generation route",
    },
    "descriptions_generate": {
        "ssm:GetParameter": "api_base_url is read only to find demo images for the offline provider, "
        "which answers in the local stage only (GenerationService._facts)",
        **CACHE_PURGE,
    },
    **{
        name: {
            "kms:GenerateDataKey": "the text routes only decrypt the caller's stored Anthropic key "
            "(ai/keys.py resolve_key → resolve_user_key); storing keys is PUT /api/settings/apikeys",
            **CACHE_PURGE,
        }
        for name in ("qa_generate", "phrases_extract", "translate")
    },
    "images_search": {
        "kms:GenerateDataKey": "search only decrypts the caller's stored Unsplash key (resolve_user_key)",
        "ssm:GetParameter": "api_base_url is read only to build demo image URLs, and the demo catalogue "
        "answers in the local stage only (ImageSearchService._demo_mode)",
        **CACHE_PURGE,
    },
}


def operation(action: str) -> str:
    return xform_name(OPERATION_OF.get(action, action.split(":", 1)[1]))


def entry_module(key: str) -> tuple[str, str | None]:
    module, _, name = key.partition(":")
    return module, name or None


def function_props() -> dict[str, dict[str, Any]]:
    found = {}
    for resource in RESOURCES.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            found[str(props["CodeUri"]).strip("/").rsplit("/", 1)[-1]] = props
    return found


FUNCTIONS = function_props()


def environment(props: dict[str, Any]) -> dict[str, Any]:
    return {**GLOBAL_ENV, **((props.get("Environment") or {}).get("Variables") or {})}


def placeholder(name: str) -> str:
    return f"<{name}>"


def deployed_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    parameter = (
        PARAMETERS.get(str(value.get("Ref"))) if isinstance(value, dict) and set(value) == {"Ref"} else None
    )
    return str(parameter["Default"]) if parameter and "Default" in parameter else placeholder(name)


@cache
def deployed_settings(function: str) -> Settings:
    """The function's Settings as Lambda builds them from its template environment (a parameter is its
    default; values that CloudFormation computes become ``<NAME>`` placeholders, so a picked value
    names its variable)."""
    env = {name: deployed_value(name, value) for name, value in environment(FUNCTIONS[function]).items()}
    with mock.patch.dict(os.environ, env, clear=True):
        return Settings()


@dataclass(frozen=True)
class Need:
    action: str
    resource: str | None  # a logical id, or None when the call is on nothing the template defines
    where: str  # the table key that makes the call


def needs(function: str) -> list[Need]:
    """The calls ``function`` can make, given what it reaches and its environment."""
    reached = iam.reach(function)
    env = environment(FUNCTIONS[function])
    found: list[Need] = []
    for key, entry in AWS_CALLS.items():
        if not reached.uses(key) or (key in IDEMPOTENT_ONLY and not has_idempotent_route(function)):
            continue
        switches = [s.split("=", 1) for s in entry.settings if "=" in s]
        named = [s for s in entry.settings if "=" not in s]
        if entry.picks is not None:
            picked = [value for value in entry.picks(deployed_settings(function)) if value]
            named = [name for name in env if placeholder(name) in picked]
            if len(named) < len(picked):  # a literal value in the template: no resource to check
                found += [Need(action, None, key) for action in entry.actions]
        if entry.picks is None and (
            not entry.settings or any(env.get(var) == value for var, value in switches)
        ):
            found += [Need(action, None, key) for action in entry.actions]
        for setting in named:
            if setting not in env:
                continue
            ids = iam.referenced_ids(env[setting]) - {iam.ANY_RESOURCE}
            for action in entry.actions:
                found += [Need(action, logical_id, key) for logical_id in sorted(ids)] or [
                    Need(action, None, key)
                ]
    return found


# Calls made only on behalf of an idempotent route (every function reaches the guard that makes them).
IDEMPOTENT_ONLY = {"describe_it.runtime.blobs"}


@cache
def has_idempotent_route(function: str) -> bool:
    from infra.local.functions import load_function

    router = getattr(load_function(function), "router", None)
    return (
        any(getattr(route, "policy", None) and route.policy.idempotent for route in router.routes)
        if router
        else False
    )


def exempt(function: str, action: str) -> bool:
    return any(
        iam.Grant((pattern,), frozenset(), "").allows(action) for pattern in NOT_CALLED.get(function, {})
    )


def allowed(grants: list[iam.Grant], need: Need) -> bool:
    return any(g.allows(need.action) and (need.resource is None or g.covers(need.resource)) for g in grants)


# --- the table against the code -----------------------------------------------------------------------


@pytest.mark.parametrize("module", iam.layer_modules())
def test_every_module_that_takes_an_aws_client_is_in_the_table(module: str) -> None:
    if module == CLIENT_FACTORY or not iam.builds_aws_client(module):
        return
    assert module in {entry_module(key)[0] for key in AWS_CALLS}, (
        f"{module} makes AWS calls: add it to AWS_CALLS with the IAM actions it calls"
    )


@pytest.mark.parametrize("key", sorted(AWS_CALLS))
def test_every_listed_action_is_called_where_the_table_says(key: str) -> None:
    module, name = entry_module(key)
    source = iam.definition_source(module, name)
    called = iam.called_names(source)
    for action in AWS_CALLS[key].actions:
        assert operation(action) in called, f"{key} lists {action}, but never calls {operation(action)}"


@pytest.mark.parametrize("module", sorted({entry_module(key)[0] for key in AWS_CALLS}))
def test_every_call_of_a_listed_service_is_in_the_table(module: str) -> None:
    entries = [entry for key, entry in AWS_CALLS.items() if entry_module(key)[0] == module]
    listed = {action for entry in entries for action in entry.actions}
    prefixes = {action.split(":", 1)[0] for action in listed}
    known = {
        op: prefix
        for prefix in prefixes
        for service in SERVICES_OF.get(prefix, (prefix,))
        for op in iam.operations(service)
    }
    called = iam.called_names(iam.definition_source(module, None)) & set(known)
    unlisted = called - {operation(a) for a in listed} - set(LOOKALIKES.get(module, {}))
    assert not unlisted, f"{module} calls {sorted(unlisted)}: add their IAM actions to AWS_CALLS"


# --- each function's role against its calls ----------------------------------------------------------


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_aws_call_a_function_makes_is_granted(function: str) -> None:
    grants = iam.grants(FUNCTIONS[function], RESOURCES, function)
    missing = sorted(
        {
            f"{n.action} on {n.resource or 'its resource'} (called in {n.where})"
            for n in needs(function)
            if not exempt(function, n.action) and not allowed(grants, n)
        }
    )
    assert not missing, f"{function} is not granted: " + "; ".join(missing)


@pytest.mark.parametrize(("function", "pattern"), [(f, p) for f, ps in NOT_CALLED.items() for p in ps])
def test_each_not_called_entry_still_hides_an_ungranted_call(function: str, pattern: str) -> None:
    """An exemption for a call the walk no longer reports, or that is granted anyway, must go."""
    grants = iam.grants(FUNCTIONS[function], RESOURCES, function)
    hidden = [
        n
        for n in needs(function)
        if iam.Grant((pattern,), frozenset(), "").allows(n.action) and not allowed(grants, n)
    ]
    assert hidden, f"NOT_CALLED[{function!r}][{pattern!r}] hides nothing: remove it"


# Extras for a call the table cannot name a setting for: function -> {policy: why, and the module}.
UNSEEN_CALLS: dict[str, dict[str, tuple[str, str]]] = {
    "describe_language": {
        "ReadNormalisedImagesPolicy": (
            "describe_it.runtime.blobs",
            "the task reads the normalised image with BlobStore.get from the bucket named in the "
            "workflow's input (ai/describe_task.py ImageRef), not from a setting",
        )
    },
}


@pytest.mark.parametrize(
    ("function", "policy"), [(f, p) for f, policies in UNSEEN_CALLS.items() for p in policies]
)
def test_each_unseen_call_is_still_reached(function: str, policy: str) -> None:
    module, _why = UNSEEN_CALLS[function][policy]
    assert iam.reach(function).uses(module), f"UNSEEN_CALLS[{function!r}][{policy!r}]: remove it"
    assert {"Ref": policy} in FUNCTIONS[function].get("Policies", [])


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_extra_managed_policy_a_function_lists_grants_a_call_it_makes(function: str) -> None:
    """The database role's policy holds what every function of that role needs; each extra policy
    (e-mail links, waking the sender, user keys, large idempotent responses ...) must earn its place."""
    role_policies = {"AppFunctionPolicy", "AuthFunctionPolicy", "AdminFunctionPolicy"}
    extras = [
        str(policy["Ref"])
        for policy in FUNCTIONS[function].get("Policies") or []
        if isinstance(policy, dict) and set(policy) == {"Ref"} and policy["Ref"] not in role_policies
    ]
    calls_made = [need for need in needs(function) if not exempt(function, need.action)]
    for extra in set(extras) - set(UNSEEN_CALLS.get(function, {})):
        grants = iam.grants({"Policies": [{"Ref": extra}]}, RESOURCES, function)
        assert any(allowed(grants, need) for need in calls_made), (
            f"{function} lists {extra}, but makes none of the calls it grants: remove it"
        )


# --- the checker itself ---------------------------------------------------------------------------------


def test_sam_policy_templates_expand_to_their_actions_on_the_resource_given() -> None:
    props = {"Policies": [{"KMSDecryptPolicy": {"KeyId": {"Ref": "SomeKey"}}}]}
    (grant,) = iam.grants(props, {}, "probe")
    assert grant.allows("kms:Decrypt")
    assert not grant.allows("kms:GenerateDataKey")
    assert grant.resources == {"SomeKey"}


def test_a_shared_role_is_read_with_its_attached_policies() -> None:
    resources = {
        "SharedRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
                "Policies": [
                    {
                        "PolicyName": "table",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "dynamodb:*",
                                    "Resource": {"Fn::GetAtt": "T.Arn"},
                                }
                            ]
                        },
                    }
                ],
            },
        },
        "KeyPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "SharedRole"}],
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"}]
                },
            },
        },
    }
    grants = iam.grants({"Role": {"Fn::GetAtt": "SharedRole.Arn"}}, resources, "probe")
    assert allowed(grants, Need("dynamodb:UpdateItem", "T", "probe"))
    assert not allowed(grants, Need("dynamodb:UpdateItem", "OtherTable", "probe"))
    assert allowed(grants, Need("kms:Decrypt", "AnyKey", "probe"))
    assert not allowed(grants, Need("kms:GenerateDataKey", "AnyKey", "probe"))


def test_the_walk_follows_lazy_imports_inside_functions() -> None:
    # health.service imports the database helpers only inside its probe functions.
    reached = iam.reach("monitoring_health")
    assert "describe_it.health.service" in reached.modules
    assert "describe_it.db.pool" in reached.modules
    # ...and names imported lazily: the migrate function writes the first signing key.
    assert "describe_it.auth.keys:ensure_signing_keys" in iam.reach("migrate").names
    assert "describe_it.auth.keys:ensure_signing_keys" not in iam.reach("auth_signin").names

"""Every AWS call a function's code can make is granted by its role in template.yaml.

A missing permission shows only in AWS, as a 500 on the first request that needs it (the apikeys save
once called KMS GenerateDataKey with only kms:Encrypt granted). So:

- ``AWS_CALLS`` says which IAM actions each layer module calls, and which setting names the resource
  it calls them on (the state table, a secret, the KMS key). It is guarded against rot: every module
  that takes an AWS client must be listed, every listed action must appear in the module's source as
  its operation name, and every operation of those services the module calls must be listed.
- For each function: the modules it can reach (static walk from its app.py, lazy imports included),
  the calls those modules make given the function's environment, and the statements of its role
  (SAM policy templates expanded from samtranslator's own definitions, inline statements, or a
  shared ``Role:``) must cover each call, on the resource its setting names.

The walk sees modules, not call paths, so it can report a call a function never makes; such a call is
listed in ``NOT_CALLED`` with the reason, and an entry that no longer matches anything fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from botocore import xform_name

from infra.local.cfn import load_template
from tests.support import iam

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
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


def calls(*actions: str, settings: tuple[str, ...] = ()) -> Calls:
    return Calls(frozenset(actions), settings)


STATE_TABLE = ("STATE_TABLE",)
DB_SECRETS = ("DB_APP_SECRET_ARN", "DB_AUTH_SECRET_ARN", "DB_ADMIN_SECRET_ARN")
JWT_SECRETS = ("JWT_SECRET_ARN", "JWT_PUBLIC_KEYS_SECRET_ARN")

# Keys: a module; "module:function" for calls only that top-level function makes (so the functions
# that merely import the module are not asked to hold its write permissions); "module:Class.member"
# for calls made by a property or method, needed by functions whose code reads that member.
AWS_CALLS: dict[str, Calls] = {
    "describe_it.settings:Settings.api_base_url": calls(
        "ssm:GetParameter", settings=("API_BASE_URL_PARAMETER",)
    ),
    "describe_it.runtime._dynamo": calls(),  # builds the state-table client; its users call it
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
    "describe_it.db.pool": calls("secretsmanager:GetSecretValue", settings=DB_SECRETS),
    "describe_it.db.migrate": calls(
        "secretsmanager:GetSecretValue", settings=("DB_MASTER_SECRET_ARN", *DB_SECRETS)
    ),
    "describe_it.auth.keys": calls("secretsmanager:GetSecretValue", settings=JWT_SECRETS),
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
    # The server's Anthropic key, only when the stack is given its secret.
    "describe_it.ai.keys": calls("secretsmanager:GetSecretValue", settings=("ANTHROPIC_API_KEY_SECRET_ARN",)),
}

# The one place where a module builds clients for everyone (``client(service)``): not a caller itself.
CLIENT_FACTORY = "describe_it.aws"

# IAM action -> API operation, where the two names differ.
OPERATION_OF = {"lambda:InvokeFunction": "Invoke"}
# IAM prefix -> botocore services whose operations count as calls of that prefix.
SERVICES_OF = {"ses": ("sesv2", "ses")}

# Calls of a listed module's services that are not AWS calls (same name, another object).
LOOKALIKES: dict[str, dict[str, str]] = {
    "describe_it.apikeys.crypto": {"encrypt": "AESGCM(key).encrypt seals the secret under the data key"},
}

# Calls the walk reports but the function never makes: function -> {action pattern: why}.
NOT_CALLED: dict[str, dict[str, str]] = {
    "health": {
        "dynamodb:*": "liveness touches no dependency (its route has no burst limit, auth or "
        "idempotency); the readiness probes of health.service run in monitoring_health",
    },
    "settings_apikeys_validate": {
        "kms:GenerateDataKey": "validate only decrypts a stored key (ApiKeysService.validate); "
        "saving keys is PUT /api/settings/apikeys",
    },
    "describe_language": {
        "kms:GenerateDataKey": "the task only opens the user's key the route sealed for it (ai/keys.py "
        "unseal → decrypt); sealing happens in the generation route",
    },
    **{
        name: {
            "kms:GenerateDataKey": "the text routes only decrypt the caller's stored Anthropic key "
            "(ai/keys.py resolve_key → resolve_user_key); storing keys is PUT /api/settings/apikeys",
        }
        for name in ("qa_generate", "phrases_extract", "translate")
    },
    "images_search": {
        "kms:GenerateDataKey": "search only decrypts the caller's stored Unsplash key (resolve_user_key)",
        "ssm:GetParameter": "api_base_url is read only to build demo image URLs, and the demo catalogue "
        "answers in the local stage only (ImageSearchService._demo_mode)",
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
        if not entry.settings or any(env.get(var) == value for var, value in switches):
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

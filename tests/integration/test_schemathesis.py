"""The contract, checked by schemathesis: every operation of the generated OpenAPI document, in process.

Schemathesis (4.x) reads the document from the ASGI app of every function's router (the app of `make
run`), generates requests from it — the documented examples and a bounded fuzzing phase of valid and of
invalid requests — sends them to the app against the real local
stack (PostgreSQL, DynamoDB on moto), and runs its default checks on every answer: no 5xx, documented
status, content type, headers and body, schema-valid requests accepted, schema-invalid ones refused.
The run is deterministic (fixed seed, derandomized, no example database) and grows by itself: a route
that lands later is an operation of the document, so it is tested too. `make test` runs the examples
and a bounded fuzzing phase; `CONTRACT_FULL=1` adds schemathesis's coverage phase.

Each case comes from a client of its own (a fresh source address) and, where the operation takes a
token, as a freshly signed-up user (an admin for admin routes), so the per-IP and per-user rate limits
the service enforces are never hit spuriously and no case sees what another case left behind (a
sign-out, a password change, a deleted account). Optional-auth routes alternate guest and user.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from typing import Any

import pytest
import schemathesis

SEED = 20261125
# `make test` runs the documented examples and a bounded fuzzing phase (positive and negative cases):
# a few hundred cases over every operation. CONTRACT_FULL=1 adds the coverage
# phase — every boundary and every constraint broken on purpose — and more fuzzing (much longer).
FULL = os.environ.get("CONTRACT_FULL") == "1"
FUZZ_EXAMPLES = 25 if FULL else 5
_clients = itertools.count(1)


class FreshClient:
    """ASGI wrapper: every request comes from its own address (TEST-NET style, never a real host)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            n = next(_clients)
            scope = {**scope, "client": (f"198.18.{n // 250 % 250}.{n % 250 + 1}", 40000)}
        await self.app(scope, receive, send)


def _policy(operation: Any) -> dict[str, Any]:
    return dict(operation.definition.raw.get("x-describeit-policy") or {})


def _new_user(admin: bool = False) -> str:
    """A signed-up user's access token (an admin's when asked), from a client address of its own."""
    from tests.support.api import STRONG_PASSWORD, call

    email = f"contract-{uuid.uuid4().hex[:12]}@example.com"
    ip = f"198.19.{next(_clients) % 250}.{next(_clients) % 250 + 1}"
    reply = call("POST", "/api/auth/signup", {"email": email, "password": STRONG_PASSWORD}, source_ip=ip)
    assert reply.status == 201, reply
    if not admin:
        return str(reply.data["session"]["access_token"])
    from describe_it.admin_cli import main as admin_cli

    assert admin_cli(["set-role", email, "admin"]) == 0  # the operator's own path to the role
    signin = call("POST", "/api/auth/signin", {"email": email, "password": STRONG_PASSWORD}, source_ip=ip)
    assert signin.status == 200, signin
    return str(signin.data["session"]["access_token"])


PLACEHOLDER = "Bearer principal-of-this-case:"


class PrincipalPerCase:
    """schemathesis auth provider: marks the cases that carry a token (schemathesis itself leaves it
    off the cases that test a missing one); the test puts a new principal's token there when the case
    runs (cases are built at collection, before the stack is up)."""

    optional_calls = itertools.count()

    def get(self, case: Any, context: Any) -> str | None:
        auth = _policy(context.operation).get("auth", "required")
        if auth == "none":
            return None
        if auth == "optional" and next(self.optional_calls) % 2 == 0:
            return None  # every other optional-auth case is a guest's
        return "admin" if auth == "admin" else "user"

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": PLACEHOLDER + data}


def _schema() -> Any:
    """Loaded at collection: the document is generated from the code (no store is touched); the
    cases run with the local stack's fixtures. (``from_fixture`` would defer this, but schemathesis
    4.32's lazy loader does not run under pytest 9.)"""
    from schemathesis.config import SchemathesisConfig

    from describe_it.http.app import create_app
    from infra.local.functions import http_functions

    routers = [module.router for _, module in sorted(http_functions().items())]
    app = FreshClient(create_app(*routers, docs=True))
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "deterministic": True,
                "database": "none",
                "max-examples": FUZZ_EXAMPLES,
                "with-security-parameters": False,  # tokens come from PrincipalPerCase only
                "no-shrink": True,  # a failure is reported as found: shrinking would rerun it many times
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": FULL}},
        }
    )
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    loaded.auth(refresh_interval=None)(PrincipalPerCase)
    return loaded


schema = _schema()


@pytest.fixture
def no_outbound_fetch(settings_env: Any) -> None:
    """The image proxy fetches what a case names: an allow-list of one reserved name refuses every
    generated host before it is resolved (the test never reaches the network)."""
    settings_env(IMAGE_FETCH_ALLOWED_HOSTS="images.invalid")


@pytest.mark.usefixtures("clean", "no_outbound_fetch")
@schema.parametrize()
def test_every_operation_keeps_its_contract(case: Any) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    marked = (case.headers or {}).get("Authorization", "")
    if marked.startswith(PLACEHOLDER):
        case.headers["Authorization"] = f"Bearer {_new_user(admin=marked.endswith('admin'))}"
    _no_callers_provider_key(case)
    response = case.call()
    excluded = [positive_data_acceptance] if _refused_by_documented_rules(case, response) else []
    if _offline_refusal(response):
        excluded.append(not_a_server_error)
    case.validate_response(response, excluded_checks=excluded)


def _offline_refusal(response: Any) -> bool:
    """The local stack has no Anthropic key: a text the offline toolkit cannot handle (a sentence to
    translate, a prompt only a model can answer) is the documented 503 that says a key is needed. That
    answer is the contract of the offline mode, not a server error; every other 5xx still fails."""
    from describe_it.textai.translate import NOT_IN_GLOSSARY

    if response.status_code != 503:
        return False
    body = response.json() or {}
    return body.get("code") == "SERVICE_UNAVAILABLE" and (
        body.get("error") == NOT_IN_GLOSSARY or "needs an Anthropic API key" in str(body.get("error"))
    )


def _no_callers_provider_key(case: Any) -> None:
    """A well-formed ``userApiKey`` sends the call to Anthropic with the caller's key, which this test
    never reaches (the provider points at a closed port): such a key is blanked, which the document
    defines as not sent, so the case stays schema-valid and the call runs in offline mode."""
    if isinstance(case.body, dict) and isinstance(case.body.get("userApiKey"), str):
        case.body = {**case.body, "userApiKey": ""}


def _refused_by_documented_rules(case: Any, response: Any) -> bool:
    """Whether a 400/412 names only rules the operation documents as beyond JSON Schema
    (``x-server-rules``: a token or cursor only the server can issue, a stale ``If-Match``, a common
    password, a time zone it does not know …). Such a refusal of a schema-valid request is the
    documented behaviour; any other is still a failure."""
    from describe_it.http.docs import rules_of

    if response.status_code not in (400, 412):
        return False
    details = (response.json() or {}).get("details") or []
    rules = rules_of(case.operation.definition.raw, case.operation.schema.raw_schema)
    return bool(details) and all(any(_matches(rule, detail) for rule in rules) for detail in details)


def _matches(rule: dict[str, Any], detail: dict[str, Any]) -> bool:
    return (
        re.fullmatch(
            re.escape(rule.get("field") or "").replace(r"\[\*\]", r"\[[0-9]+\]"), detail.get("field") or ""
        )
        and rule.get("message", detail.get("message")) == detail.get("message")
        and rule.get("code", detail.get("code")) == detail.get("code")
    )

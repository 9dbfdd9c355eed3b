"""The request guards ``ApiRoute`` runs: identity, rate limits, idempotency."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from describe_it.errors import AuthRequired, Conflict, Detail, InvalidToken, ValidationFailed
from describe_it.http.gates import Gate
from describe_it.http.policy import RoutePolicy
from describe_it.http.replay import ReplayHook
from describe_it.identity import Principal, guest, user
from describe_it.settings import get_settings

if TYPE_CHECKING:
    from describe_it.runtime.rate_limit import Decision

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# What a replay sends again of the first response (correction 13). X-RateLimit-* are not among
# them: the replay was charged itself, so it carries its own current counts (``add_rate_headers``).
_REPLAYED_HEADERS = frozenset(
    {
        "location",
        "content-location",
        "etag",
        "last-modified",
        "preference-applied",
        "retry-after",
        "content-type",
        "cache-control",
    }
)
# The salt of the fingerprint key (HKDF-Extract: HMAC(salt, server secret)). Nothing else is ever
# HMAC-keyed with it, so no other hash the service stores can reveal the derived key.
_FINGERPRINT_SALT = b"describe-it/idempotency-fingerprint/v1"

Handle = Callable[[Request], Coroutine[Any, Any, Response]]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def authenticate(request: Request, pol: RoutePolicy) -> Principal:
    """Bearer token → user principal; none → guest (or 401 where a token is required).

    A token that is present but bad is always a 401, also on optional-auth routes: a silent
    downgrade to guest would hide an expired session from the client. A request that carries a
    token is first charged to its IP (``burst-ip``, correction 3), so a flood of bad tokens costs
    its sender one counted request each, not the service a verification each; ``burst`` and the
    route's class are charged per user after verification (``charge_route_limits``).
    """
    header = request.headers.get("authorization")
    if not header:
        if pol.auth in ("required", "admin"):
            raise AuthRequired()
        return guest(client_ip(request), get_settings().ip_hash_secret.get_secret_value())
    if pol.burst:
        _charge_before_verification(request)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken()
    from describe_it.auth.tokens import get_token_verifier

    claims = get_token_verifier().verify(token.strip())
    return user(claims.user_id, claims.tier, claims.role, claims.session_id)


def _charge_before_verification(request: Request) -> None:
    """``burst-ip``: per client IP, at the highest tier's ``burst`` (so it never limits a user below
    their tier); like ``burst``, it fails open when DynamoDB is down."""
    from describe_it.limiting import refusal
    from describe_it.runtime.limits import TIERS, Rule, rules_for
    from describe_it.runtime.rate_limit import get_rate_limiter

    burst = max((r for t in TIERS if (r := rules_for("burst", t)) is not None), key=lambda r: r.limit)
    key = guest(client_ip(request), get_settings().ip_hash_secret.get_secret_value()).client_key
    decision = get_rate_limiter().hit(key, [Rule("burst-ip", burst.limit, burst.window_s)], fail_open=True)
    if not decision.allowed:
        raise refusal(decision)


def charge_route_limits(request: Request, principal: Principal, pol: RoutePolicy) -> None:
    """Charge ``burst`` and the route's own class in one DynamoDB write; 429 when either is spent."""
    _settle_charge(request, _route_decision(principal, pol))


# Only GETs of class ``read`` overlap: their work changes nothing, so a refused one leaves no trace
# once its answer is discarded. Writes and the costly classes (fail-closed) pay before they work.
_OVERLAPPED_CLASS = "read"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def overlaps_charge(request: Request, pol: RoutePolicy) -> bool:
    """Whether the route's charge may run beside its work (``charge_beside``) instead of before it."""
    return (
        pol.burst
        and pol.rate_class == _OVERLAPPED_CLASS
        and pol.auth != "admin"  # the 403 comes after the 429 and before any work
        and not pol.idempotent
        and request.method in _SAFE_METHODS
    )


async def charge_beside(request: Request, principal: Principal, pol: RoutePolicy, handle: Handle) -> Response:
    """A read's charge (one DynamoDB round trip) in a worker thread while ``handle`` does the read.

    Both finish before anything is answered, and the charge decides first: over the limit the answer
    is the 429, whatever the read produced (its response or its error is dropped); a failed charge
    fails as it would have before the read.
    """
    import anyio.to_thread

    charged: list[Decision | Exception | None] = []

    async def charge() -> None:
        try:
            charged.append(await anyio.to_thread.run_sync(_route_decision, principal, pol))
        except Exception as exc:  # re-raised below, after the read has finished
            charged.append(exc)

    response: Response | None = None
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(charge)
        try:
            response = await handle(request)
        except Exception as exc:
            failure = exc
    outcome = charged[0]
    if isinstance(outcome, Exception):
        raise outcome
    _settle_charge(request, outcome)
    if failure is not None:
        raise failure
    assert response is not None
    add_rate_headers(request, response)
    return response


def _route_decision(principal: Principal, pol: RoutePolicy) -> Decision | None:
    from describe_it.runtime.limits import fails_open, rules_for
    from describe_it.runtime.rate_limit import get_rate_limiter

    classes = ["burst"] + ([pol.rate_class] if pol.rate_class else [])
    rules = [rule for name in classes if (rule := rules_for(name, principal.tier)) is not None]
    if not rules:
        return None
    # burst/read/write/ingest/ops fail open when DynamoDB is down; the costly classes fail closed.
    fail_open = all(fails_open(rule.name) for rule in rules)
    return get_rate_limiter().hit(principal.client_key, rules, fail_open=fail_open)


def _settle_charge(request: Request, decision: Decision | None) -> None:
    if decision is None:
        return
    request.state.rate_decision = decision
    if not decision.allowed:
        from describe_it.limiting import refusal

        raise refusal(decision)


def add_rate_headers(request: Request, response: Response) -> None:
    decision = getattr(request.state, "rate_decision", None)
    if decision is not None:
        for name, value in decision.headers().items():
            response.headers.setdefault(name, value)


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed(
            "Idempotency-Key must match ^[A-Za-z0-9._:-]{8,128}$",
            details=[Detail("Idempotency-Key", "Invalid idempotency key", "invalid_format")],
        )
    return key


def fingerprint(request: Request) -> str:
    """HMAC-SHA256 of the canonical body (sorted keys) and the sorted query string (correction 9).

    Keyed, never a plain hash: a sign-up body holds a password, and the record sits in a table every
    function can read for 24 h; without the server secret a stored fingerprint cannot be used to test
    password guesses offline.
    """
    body = getattr(request, "_json", None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    query = "&".join(sorted(request.url.query.split("&"))) if request.url.query else ""
    return hmac.new(_fingerprint_key(), f"{canonical}\n{query}".encode(), hashlib.sha256).hexdigest()


def _fingerprint_key() -> bytes:
    # Derived from the IP-hash secret rather than a setting of its own: one secret less to provision
    # and rotate. Rotating it changes fingerprints (a retry across a rotation gets 409 key reused).
    secret = get_settings().ip_hash_secret.get_secret_value().encode()
    return hmac.new(_FINGERPRINT_SALT, secret, hashlib.sha256).digest()


async def with_idempotency(
    request: Request,
    principal: Principal,
    handle: Handle,
    *,
    validate: Callable[[Request], Awaitable[Mapping[str, Any]]],
    hook: ReplayHook | None = None,
    gate: Gate | None = None,
) -> Response:
    """Spec §1.8: first response replayed, concurrent duplicate 409, key reuse with other input 409.

    ``validate`` checks the request as the handler will (400) before the record is written, so an
    invalid request costs no write and does not claim the key (correction 12). ``hook`` redacts what
    is stored and rebuilds what is replayed (correction 10). ``gate`` (a 403 rule on the validated
    input, step 8 of §1.4) runs before the record too, so a refusal claims no key.
    """
    key = idempotency_key(request)
    if key is None:
        response = await handle(request)
        add_rate_headers(request, response)
        return response
    inputs = await validate(request)
    if gate is not None:
        gate(principal, inputs)
    from describe_it.runtime.idempotency import StoredResponse, get_idempotency_store

    store = get_idempotency_store()
    scope = f"{principal.client_key}#{request.method}#{request.url.path}#{key}"
    begun = store.begin(scope, fingerprint(request))
    if begun.kind == "replay" and begun.response is not None:
        stored = hook.restore(request, inputs, begun.response) if hook else begun.response
        replayed = Response(
            stored.body, status_code=stored.status, headers={**stored.headers, "Idempotent-Replayed": "true"}
        )
        add_rate_headers(request, replayed)
        return replayed
    if begun.kind == "in_progress":
        raise Conflict(
            "A request with this Idempotency-Key is still in progress",
            details=[Detail("Idempotency-Key", "Request in progress", "request_in_progress")],
            headers={"Retry-After": "1"},
        )
    if begun.kind == "mismatch":
        raise Conflict(
            "This Idempotency-Key was used with a different request",
            details=[Detail("Idempotency-Key", "Key reused with another body", "idempotency_key_reused")],
        )
    try:
        response = await handle(request)
    except Exception as exc:  # 4xx answers are stored too, so render the error here
        from describe_it.http.errors import exception_to_response

        response = exception_to_response(request, exc)
    add_rate_headers(request, response)
    if response.status_code >= 500 or response.status_code in (401, 409, 429):
        store.release(scope)
    else:
        kept = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
        stored = StoredResponse(status=response.status_code, body=bytes(response.body), headers=kept)
        store.complete(scope, hook.redact(stored) if hook else stored)
    return response

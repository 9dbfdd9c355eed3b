"""Per-route policy: who may call, which rate-limit class, how large a body, idempotency.

A route states its policy in ``openapi_extra`` (``policy(...)``) so it is visible in the OpenAPI
document too; ``ApiRoute`` reads it back and enforces it in the order of spec §1.4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

AuthMode = Literal["none", "optional", "required", "admin"]
KB = 1024
MB = 1024 * KB
DEFAULT_BODY_LIMIT = 64 * KB
POLICY_KEY = "x-describeit-policy"


@dataclass(frozen=True)
class RoutePolicy:
    auth: AuthMode = "required"
    # The route's own class, charged with "burst" before validation. A GET of class "read" must change
    # nothing: it is charged while it reads, and a refused read's answer is dropped (guards.charge_beside).
    rate_class: str | None = None
    body_limit: int = DEFAULT_BODY_LIMIT
    idempotent: bool = False
    replay: str | None = None  # a replay hook's name (http/replay.py), for answers that hold secrets
    gate: str | None = (
        None  # a request gate's name (http/gates.py): a 403 rule on the input, before idempotency
    )
    burst: bool = True  # /api/health opts out: it must touch no dependency
    text_plain_json: bool = False  # sendBeacon routes also accept text/plain holding JSON


def policy(**kwargs: Any) -> dict[str, Any]:
    """``openapi_extra`` value that carries a RoutePolicy."""
    return {POLICY_KEY: asdict(RoutePolicy(**kwargs))}


def policy_of(openapi_extra: dict[str, Any] | None) -> RoutePolicy:
    raw = (openapi_extra or {}).get(POLICY_KEY)
    return RoutePolicy(**raw) if raw else RoutePolicy()

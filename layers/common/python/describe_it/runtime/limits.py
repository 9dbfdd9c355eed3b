"""Rate-limit classes of spec §2.3: one fixed window per class, one limit per tier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TIERS = ("guest", "free", "basic", "pro")
MINUTE, HOUR = 60, 3600


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_s: int


# The AI classes are the expensive ones and the likeliest to be tuned per deployment, so they are
# kept apart: a settings-driven override passes its own mapping to ``rules_for(ai_limits=...)``.
AI_HOURLY_LIMITS: Mapping[str, Mapping[str, int]] = {
    "ai-describe": {"guest": 5, "free": 10, "basic": 50, "pro": 500},
    "ai-text": {"guest": 20, "free": 60, "basic": 300, "pro": 3000},
}

# class → (window, limit per tier). A tier missing from a row ("–" in the spec) is not allowed
# that class: it gets a limit of 0, i.e. every request answers 429.
_CLASSES: Mapping[str, tuple[int, Mapping[str, int]]] = {
    "burst": (MINUTE, {"guest": 120, "free": 240, "basic": 240, "pro": 480}),
    "images": (HOUR, {"guest": 60, "free": 300, "basic": 600, "pro": 1200}),
    "read": (MINUTE, {"guest": 60, "free": 300, "basic": 300, "pro": 600}),
    "write": (MINUTE, {"free": 60, "basic": 120, "pro": 240}),
    "export": (HOUR, {"free": 10, "basic": 30, "pro": 100}),
    "ingest": (MINUTE, {"guest": 60, "free": 120, "basic": 120, "pro": 120}),
    "error-report": (5 * MINUTE, dict.fromkeys(TIERS, 10)),
    "keys": (HOUR, {"guest": 5, "free": 10, "basic": 10, "pro": 10}),
    "ops": (MINUTE, dict.fromkeys(TIERS, 30)),
    # Not rows of their own in the table, but named next to it: /api/health replaces `burst` with
    # 600/min per IP, and the ops metrics route allows 60/min per token.
    "health": (MINUTE, dict.fromkeys(TIERS, 600)),
    "metrics": (MINUTE, dict.fromkeys(TIERS, 60)),
}

# Admins are limited per admin, whatever their tier.
_ADMIN = Rule("admin", 120, MINUTE)

# Spec §2.3: when DynamoDB is unreachable these classes refuse (503) instead of letting traffic
# through: they guard money (AI, images, export, key checks) or accounts (auth).
FAIL_CLOSED = frozenset({"ai-describe", "ai-text", "images", "export", "keys", "auth"})


def rules_for(
    class_name: str,
    tier: str,
    *,
    ai_limits: Mapping[str, Mapping[str, int]] | None = None,
) -> Rule | None:
    """The rule of ``class_name`` for ``tier``; None for a class that is not limited here (``auth``
    is limited per route by the auth service)."""
    if class_name == "admin":
        return _ADMIN
    ai = AI_HOURLY_LIMITS if ai_limits is None else ai_limits
    if class_name in ai:
        return Rule(class_name, ai[class_name].get(tier, 0), HOUR)
    row = _CLASSES.get(class_name)
    if row is None:
        return None
    window_s, limits = row
    return Rule(class_name, limits.get(tier, 0), window_s)


def fails_open(class_name: str) -> bool:
    """Whether requests of this class may pass (degraded) while the rate-limit store is down."""
    return class_name not in FAIL_CLOSED

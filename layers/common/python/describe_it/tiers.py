"""Tiers and feature gates (spec §2.2): guest < free < basic < pro; admin is a role, not a tier."""

from __future__ import annotations

from describe_it.errors import FeatureRequired
from describe_it.identity import Principal

TIER_ORDER = {"guest": 0, "free": 1, "basic": 2, "pro": 3}

# Features and the lowest tier that has them.
FEATURES = {
    "export.pdf": "basic",
    "export.anki": "basic",
    "export.quizlet": "basic",
}


def has_tier(principal: Principal, required: str) -> bool:
    return TIER_ORDER[principal.tier] >= TIER_ORDER[required]


def require_feature(principal: Principal, feature: str, field: str) -> None:
    """403 FEATURE_REQUIRED naming the tier that unlocks ``feature``."""
    required = FEATURES[feature]
    if not has_tier(principal, required):
        raise FeatureRequired(field, required, principal.tier)

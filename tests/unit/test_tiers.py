"""Feature gates answer 403 FEATURE_REQUIRED naming the tier that unlocks the feature."""

from __future__ import annotations

from uuid import uuid4

import pytest

from describe_it.errors import FeatureRequired
from describe_it.identity import guest, user
from describe_it.tiers import has_tier, require_feature


def test_tier_order():
    basic = user(uuid4(), "basic", "user", None)
    assert has_tier(basic, "free") and has_tier(basic, "basic") and not has_tier(basic, "pro")


def test_feature_gate_names_required_and_current_tier():
    with pytest.raises(FeatureRequired) as raised:
        require_feature(user(uuid4(), "free", "user", None), "export.pdf", "format")
    detail = raised.value.details[0].to_json()
    assert raised.value.status == 403 and raised.value.code == "FEATURE_REQUIRED"
    assert detail == {
        "field": "format",
        "message": "Requires the basic tier",
        "code": "tier",
        "requiredTier": "basic",
        "currentTier": "free",
    }
    require_feature(user(uuid4(), "pro", "user", None), "export.pdf", "format")  # allowed
    with pytest.raises(FeatureRequired):
        require_feature(guest("203.0.113.1", "secret"), "export.anki", "format")

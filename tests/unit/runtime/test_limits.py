"""The rate-limit table of spec §2.3."""

from __future__ import annotations

import pytest

from describe_it.runtime.limits import AI_HOURLY_LIMITS, TIERS, Rule, fails_open, rules_for
from describe_it.runtime.rate_limit import Decision

# class → window, guest, free, basic, pro (0 = "–": not allowed for that tier)
SPEC = {
    "burst": (60, 120, 240, 240, 480),
    "ai-describe": (3600, 5, 10, 50, 500),
    "ai-text": (3600, 20, 60, 300, 3000),
    "images": (3600, 60, 300, 600, 1200),
    "read": (60, 60, 300, 300, 600),
    "write": (60, 0, 60, 120, 240),
    "export": (3600, 0, 10, 30, 100),
    "ingest": (60, 60, 120, 120, 120),
    "error-report": (300, 10, 10, 10, 10),
    "keys": (3600, 5, 10, 10, 10),
    "ops": (60, 30, 30, 30, 30),
}


@pytest.mark.parametrize("class_name", sorted(SPEC))
@pytest.mark.parametrize("tier", TIERS)
def test_every_cell_of_the_table(class_name: str, tier: str) -> None:
    window, *limits = SPEC[class_name]
    assert rules_for(class_name, tier) == Rule(class_name, limits[TIERS.index(tier)], window)


@pytest.mark.parametrize("tier", TIERS)
def test_admins_get_120_a_minute_whatever_their_tier(tier: str) -> None:
    assert rules_for("admin", tier) == Rule("admin", 120, 60)


def test_auth_and_unknown_classes_are_not_limited_here() -> None:
    assert rules_for("auth", "free") is None
    assert rules_for("nope", "free") is None


def test_ai_limits_can_be_overridden() -> None:
    override = {**AI_HOURLY_LIMITS, "ai-describe": {"guest": 1, "free": 2, "basic": 3, "pro": 4}}
    assert rules_for("ai-describe", "basic", ai_limits=override) == Rule("ai-describe", 3, 3600)
    assert rules_for("ai-text", "basic", ai_limits=override) == Rule("ai-text", 300, 3600)
    assert rules_for("ai-describe", "basic") == Rule("ai-describe", 50, 3600)


def test_which_classes_fail_open_when_dynamodb_is_down() -> None:
    closed = {"ai-describe", "ai-text", "images", "export", "keys", "auth"}
    opened = {"burst", "read", "write", "ingest", "ops"}
    assert [c for c in sorted(closed | opened) if fails_open(c)] == sorted(opened)


def test_decision_headers() -> None:
    decision = Decision(False, Rule("read", 60, 60), 60, 0, 1_800_000_060, 42)
    assert decision.headers() == {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1800000060",
    }


def test_ai_limits_come_from_settings_and_own_keys_use_the_pro_column(monkeypatch):
    from describe_it.limiting import ai_rule
    from describe_it.settings import get_settings

    assert ai_rule("ai-describe", "free").limit == 10
    assert ai_rule("ai-describe", "free", own_key=True).limit == 500
    monkeypatch.setattr(
        get_settings(), "ai_hourly_limits", {"ai-describe": {"free": 25, "pro": 900}, "ai-text": {}}
    )
    assert ai_rule("ai-describe", "free").limit == 25
    assert ai_rule("ai-describe", "basic").limit == 0
    assert ai_rule("ai-describe", "guest", own_key=True).limit == 900

"""The settings document rules of spec §14.1–14.2 as pure logic: deep merge, validation paths, ETags."""

from __future__ import annotations

import copy

import pytest

from describe_it.errors import ValidationFailed
from describe_it.user_settings.models import SettingsWrite, default_document
from describe_it.user_settings.service import (
    deep_merge,
    etag,
    etag_matches,
    merged_document,
    patch_of,
    validate_sections,
)


def test_objects_merge_and_arrays_and_scalars_replace():
    base = {"interface": {"theme": "dark", "fontSize": "large"}, "session": {"reminderIntervals": [10, 20]}}
    patch = {
        "interface": {"theme": "light"},
        "session": {"reminderIntervals": [30]},
        "privacy": {"analytics": False},
    }
    assert deep_merge(base, patch) == {
        "interface": {"theme": "light", "fontSize": "large"},
        "session": {"reminderIntervals": [30]},
        "privacy": {"analytics": False},
    }


def test_null_removes_a_key_and_empty_objects_disappear():
    base = {"interface": {"theme": "dark"}, "session": {"dailyWordGoal": 20, "autoSave": False}}
    assert deep_merge(base, {"interface": {"theme": None}, "session": {"dailyWordGoal": None}}) == {
        "session": {"autoSave": False}
    }
    assert deep_merge(base, {"session": None}) == {"interface": {"theme": "dark"}}
    assert deep_merge(base, {"privacy": {"analytics": None}}) == base  # resetting what was never set


def test_a_scalar_can_replace_an_object_and_the_reverse():
    assert deep_merge({"a": {"b": 1}}, {"a": 5}) == {"a": 5}
    assert deep_merge({"a": 5}, {"a": {"b": 1, "c": None}}) == {"a": {"b": 1}}


def test_inputs_are_never_modified():
    base = {"session": {"reminderIntervals": [10]}, "interface": {"theme": "dark"}}
    patch = {"session": {"reminderIntervals": [20]}, "interface": None}
    base_before, patch_before = copy.deepcopy(base), copy.deepcopy(patch)
    merged = deep_merge(base, patch)
    merged["session"]["reminderIntervals"].append(99)
    assert base == base_before
    assert patch == patch_before


def test_merged_document_fills_defaults_and_ignores_unknown_sections():
    document = merged_document({"session": {"dailyWordGoal": 25}, "mystery": {"x": 1}})
    defaults = default_document()
    assert document["session"] == {**defaults["session"], "dailyWordGoal": 25}
    assert "mystery" not in document
    assert document["interface"] == defaults["interface"]


def test_a_stored_value_that_became_invalid_falls_back_to_its_default():
    document = merged_document({"session": {"dailyWordGoal": 5000, "sessionTimeout": 45}})
    assert document["session"]["dailyWordGoal"] == 10
    assert document["session"]["sessionTimeout"] == 45


def test_validation_normalises_what_it_stores():
    out = validate_sections(
        {"interface": {"theme": "auto"}, "content": {"questionTypes": ["culture", "Cultura", "expresion"]}},
        ["interface", "content"],
    )
    assert out == {"interface": {"theme": "system"}, "content": {"questionTypes": ["Cultura", "Expresión"]}}


def test_validation_errors_carry_full_paths_and_spec_codes():
    with pytest.raises(ValidationFailed) as caught:
        validate_sections(
            {
                "session": {"reminderIntervals": [5] * 11, "weeklySessionGoal": True},
                "language": {"primary": "en", "secondary": "en"},
                "privacy": {"dataRetention": 10},
            },
            ["session", "language", "privacy"],
            "settings.",
        )
    found = {(d.field, d.code) for d in caught.value.details}
    assert found == {
        ("settings.session.reminderIntervals", "too_many"),
        ("settings.session.weeklySessionGoal", "invalid_type"),
        ("settings.language", "duplicate"),
        ("settings.privacy.dataRetention", "too_small"),
    }
    assert caught.value.message == "Invalid request parameters"


def test_one_bad_field_gives_its_message():
    with pytest.raises(ValidationFailed) as caught:
        validate_sections({"advanced": {"desiredRetention": 0.99}}, ["advanced"], "settings.")
    assert caught.value.message == "Input should be less than or equal to 0.97"
    assert caught.value.details[0].field == "settings.advanced.desiredRetention"


def test_the_body_may_wrap_sections_or_send_them_bare():
    wrapped = SettingsWrite.model_validate(
        {"settings": {"interface": {"theme": "dark", "extra": 1}, "nope": {}}}
    )
    assert patch_of(wrapped) == ({"interface": {"theme": "dark"}}, "settings.")
    bare = SettingsWrite.model_validate({"session": None, "interface": {"fontSize": "small"}})
    assert patch_of(bare) == ({"session": None, "interface": {"fontSize": "small"}}, "")
    with pytest.raises(ValidationFailed) as caught:
        patch_of(SettingsWrite.model_validate({"settings": {"export": []}}))
    assert caught.value.details[0].field == "settings.export"


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"v3"', True),
        ('W/"v3"', True),
        ('"v2", "v3"', True),
        ("*", True),
        ('"v2"', False),
        ("v3", False),
        (None, False),
    ],
)
def test_etags_name_the_version(header, matches):
    assert etag(3) == '"v3"'
    assert etag_matches(header, 3) is matches

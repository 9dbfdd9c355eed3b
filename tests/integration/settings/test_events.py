"""The sample events of the settings functions replayed through their handlers with a real token."""

from __future__ import annotations

import json

import pytest

from tests.integration.settings.fake_provider import UNSPLASH_KEY
from tests.support.api import call
from tests.support.lambda_invoke import EVENTS, Reply, invoke

FOLDERS = ("settings", "settings_sync", "settings_apikeys", "settings_apikeys_validate")
EXPECTED = {
    "settings/get": 200,
    "settings/get_no_token": 401,
    "settings/get_save_alias": 200,
    "settings/preflight": 204,
    "settings/put": 200,
    "settings/put_out_of_range": 400,
    "settings/put_reset_field": 200,
    "settings/put_stale_if_match": 412,
    "settings/save_alias": 200,
    "settings/delete": 200,
    "settings_sync/sync": 200,
    "settings_sync/sync_no_token": 401,
    "settings_sync/sync_not_modified": 304,
    "settings_apikeys/get": 200,
    "settings_apikeys/get_no_token": 401,
    "settings_apikeys/put": 200,
    "settings_apikeys/put_invalid_format": 400,
    "settings_apikeys/put_legacy_wrapper": 200,
    "settings_apikeys/delete": 200,
    "settings_apikeys_validate/validate": 200,
    "settings_apikeys_validate/validate_unknown_provider": 400,
    "settings_apikeys_validate/validate_stored_key": 200,
    "settings_apikeys_validate/validate_stored_key_guest": 401,
}
CASES = sorted(
    f"{path.parent.name}/{path.stem}" for folder in FOLDERS for path in (EVENTS / folder).glob("*.json")
)


def test_every_sample_event_has_an_expectation():
    assert set(CASES) == set(EXPECTED)


def replay(case: str, token: str) -> Reply:
    folder, name = case.split("/")
    event = json.loads((EVENTS / folder / f"{name}.json").read_text())
    headers = event["headers"]
    if headers.get("authorization") == "Bearer PLACEHOLDER":
        headers["authorization"] = f"Bearer {token}"
    return invoke(folder, event)


@pytest.mark.parametrize("case", CASES)
def test_sample_event(case, token, provider):
    # Stored keys for the "validate the stored key" samples; the fake provider knows this one.
    assert call("PUT", "/api/settings/apikeys", {"unsplash": UNSPLASH_KEY}, token=token).status == 200
    reply = replay(case, token)
    assert reply.status == EXPECTED[case], reply
    if reply.status == 200 and case.startswith("settings_apikeys_validate/"):
        assert reply.data["valid"] is (case.endswith("stored_key"))

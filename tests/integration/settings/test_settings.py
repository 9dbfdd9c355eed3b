"""/api/settings, its alias /api/settings/save and /api/settings/sync through the handlers (spec §14)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from uuid import UUID

import psycopg
import pytest

from tests.support.api import call, session_for

DEFAULT_SESSION = {
    "autoSave": True,
    "sessionTimeout": 30,
    "reminderIntervals": [],
    "goalTracking": True,
    "streakTracking": True,
    "achievementNotifications": True,
    "dailyWordGoal": 10,
    "weeklySessionGoal": 5,
    "preferredSessionLength": 20,
}


def stored(stack, user_email: str = "ana@example.com") -> tuple[dict, int]:
    """The sparse document and version as the database holds them."""
    with psycopg.connect(stack.admin_dsn()) as conn:
        row = conn.execute(
            """SELECT s.settings, s.version FROM user_settings s JOIN users u ON u.id = s.user_id
                WHERE u.email = %s""",
            [user_email],
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def put(token: str, body: dict, **kwargs):
    return call("PUT", "/api/settings", body, token=token, **kwargs)


def run_together(*jobs: Callable[[], None]) -> None:
    """Start the jobs at the same moment, each in its own thread (two Lambda instances at once)."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        loop = asyncio.new_event_loop()  # Mangum drives the app on the thread's event loop
        asyncio.set_event_loop(loop)
        try:
            start.wait()
            job()
        finally:
            loop.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_a_new_user_gets_the_defaults(token):
    reply = call("GET", "/api/settings", token=token)
    assert reply.status == 200, reply
    data = reply.data
    assert data["version"] == 1
    assert data["isDefault"] is True
    assert reply.headers["etag"] == '"v1"'
    assert reply.headers["cache-control"] == "no-store"
    settings = data["settings"]
    assert list(settings) == [
        "language",
        "difficulty",
        "content",
        "interface",
        "session",
        "privacy",
        "export",
        "advanced",
    ]
    assert settings["language"] == {"primary": "es", "secondary": "en", "learningDirection": "both"}
    assert settings["interface"]["theme"] == "system"
    assert settings["session"] == DEFAULT_SESSION
    assert settings["advanced"]["desiredRetention"] == 0.9
    assert settings["content"]["questionTypes"] == [
        "Vocabulario",
        "Gramática",
        "Cultura",
        "Comprensión",
        "Expresión",
    ]
    assert settings["privacy"]["dataRetention"] == 365
    assert settings["export"]["defaultFormat"] == "json"


def test_put_deep_merges_and_stores_only_overrides(stack, token):
    first = put(
        token, {"settings": {"interface": {"theme": "dark"}, "session": {"reminderIntervals": [10, 60]}}}
    )
    assert first.status == 200, first
    assert first.data["version"] == 2
    assert first.headers["etag"] == '"v2"'
    assert first.data["sectionsUpdated"] == ["interface", "session"]

    second = put(
        token, {"settings": {"interface": {"fontSize": "large"}, "session": {"reminderIntervals": [30]}}}
    )
    assert second.status == 200, second
    settings = second.data["settings"]
    assert settings["interface"]["theme"] == "dark"  # objects merge
    assert settings["interface"]["fontSize"] == "large"
    assert settings["session"]["reminderIntervals"] == [30]  # arrays replace
    assert settings["session"]["dailyWordGoal"] == 10  # defaults fill the rest

    document, version = stored(stack)
    assert document == {
        "interface": {"theme": "dark", "fontSize": "large"},
        "session": {"reminderIntervals": [30]},
    }
    assert version == 3

    again = call("GET", "/api/settings", token=token)
    assert again.data["settings"] == settings
    assert again.data["isDefault"] is False


def test_null_resets_a_field_or_a_section_to_its_default(stack, token):
    put(
        token,
        {
            "settings": {
                "session": {"dailyWordGoal": 40, "sessionTimeout": 60},
                "privacy": {"analytics": False},
            }
        },
    )

    reply = put(token, {"settings": {"session": {"dailyWordGoal": None}, "privacy": None}})
    assert reply.status == 200, reply
    assert reply.data["settings"]["session"]["dailyWordGoal"] == 10
    assert reply.data["settings"]["session"]["sessionTimeout"] == 60
    assert reply.data["settings"]["privacy"]["analytics"] is True
    assert stored(stack)[0] == {"session": {"sessionTimeout": 60}}


def test_bare_sections_legacy_values_and_unknown_fields(stack, token):
    reply = put(
        token,
        {
            "interface": {"theme": "auto", "sparkles": True},  # `auto` is the old name of `system`
            "session": {"dailyWordGoal": "25"},  # digit-only strings are integers
            "content": {"questionTypes": ["grammar", "Vocabulario", "gramatica"]},
            "telemetry": {"x": 1},  # unknown section
        },
    )
    assert reply.status == 200, reply
    settings = reply.data["settings"]
    assert settings["interface"]["theme"] == "system"
    assert settings["session"]["dailyWordGoal"] == 25
    assert settings["content"]["questionTypes"] == ["Gramática", "Vocabulario"]
    assert reply.data["sectionsUpdated"] == ["content", "interface", "session"]
    assert stored(stack)[0] == {
        "content": {"questionTypes": ["Gramática", "Vocabulario"]},
        "interface": {"theme": "system"},
        "session": {"dailyWordGoal": 25},
    }


def test_invalid_sections_are_refused_with_field_paths(stack, token):
    reply = put(
        token,
        {
            "settings": {
                "session": {"dailyWordGoal": 500, "reminderIntervals": [10, 2]},
                "interface": {"theme": "neon", "animations": "yes"},
                "language": {"primary": "en"},  # the secondary language is already `en`
                "advanced": {"desiredRetention": 0.5, "maxRetries": "three"},
                "content": {"questionTypes": ["poetry"]},
            }
        },
    )
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"
    assert reply.json["error"] == "Invalid request parameters"
    found = {(d["field"], d["code"]) for d in reply.json["details"]}
    assert found == {
        ("settings.session.dailyWordGoal", "too_large"),
        ("settings.session.reminderIntervals[1]", "too_small"),
        ("settings.interface.theme", "invalid_enum"),
        ("settings.interface.animations", "invalid_type"),
        ("settings.language", "duplicate"),
        ("settings.advanced.desiredRetention", "too_small"),
        ("settings.advanced.maxRetries", "invalid_type"),
        ("settings.content.questionTypes", "invalid_format"),
    }
    assert stored(stack) == ({}, 1)


def test_a_section_that_is_not_an_object_is_refused(token):
    reply = put(token, {"settings": {"export": "pdf"}})
    assert reply.status == 400, reply
    assert reply.json["error"] == "Must be an object"
    assert reply.json["details"] == [
        {"field": "settings.export", "message": "Must be an object", "code": "invalid_type"}
    ]

    bare = put(token, {"session": {"dailyWordGoal": 0}})
    assert bare.status == 400
    assert bare.json["details"][0]["field"] == "session.dailyWordGoal"


def test_stale_if_match_is_412_with_the_current_version(token):
    assert put(token, {"settings": {"interface": {"theme": "dark"}}}).status == 200  # now v2

    stale = put(token, {"settings": {"interface": {"theme": "light"}}}, headers={"If-Match": '"v1"'})
    assert stale.status == 412, stale
    assert stale.json["code"] == "PRECONDITION_FAILED"
    detail = stale.json["details"][0]
    assert detail["code"] == "stale_version"
    assert detail["currentVersion"] == 2
    assert stale.headers["etag"] == '"v2"'
    assert call("GET", "/api/settings", token=token).data["settings"]["interface"]["theme"] == "dark"

    fresh = put(token, {"settings": {"interface": {"theme": "light"}}}, headers={"If-Match": '"v2"'})
    assert fresh.status == 200
    assert fresh.headers["etag"] == '"v3"'


def test_concurrent_puts_with_the_same_if_match_never_overwrite_each_other(token):
    replies = []

    def write(theme: str) -> Callable[[], None]:
        return lambda: replies.append(
            put(token, {"settings": {"interface": {"theme": theme}}}, headers={"If-Match": '"v1"'})
        )

    run_together(write("dark"), write("light"))

    assert sorted(r.status for r in replies) == [200, 412], replies
    winner = next(r for r in replies if r.status == 200)
    loser = next(r for r in replies if r.status == 412)
    assert loser.json["details"][0]["currentVersion"] == 2
    current = call("GET", "/api/settings", token=token).data
    assert current["version"] == 2
    assert current["settings"]["interface"]["theme"] == winner.data["settings"]["interface"]["theme"]


def test_concurrent_puts_without_if_match_both_apply(token):
    statuses = []

    def write(body: dict) -> Callable[[], None]:
        return lambda: statuses.append(put(token, {"settings": body}).status)

    run_together(write({"interface": {"theme": "dark"}}), write({"session": {"dailyWordGoal": 42}}))

    assert statuses == [200, 200]
    current = call("GET", "/api/settings", token=token).data
    assert current["version"] == 3
    assert current["settings"]["interface"]["theme"] == "dark"
    assert current["settings"]["session"]["dailyWordGoal"] == 42


def test_a_put_that_changes_nothing_keeps_the_version(token):
    assert put(token, {"settings": {"interface": {"theme": "dark"}}}).data["version"] == 2
    again = put(token, {"settings": {"interface": {"theme": "dark"}}})
    assert again.status == 200
    assert again.data["version"] == 2
    assert again.headers["etag"] == '"v2"'


def test_get_one_section_and_overrides_only(token):
    put(token, {"settings": {"session": {"dailyWordGoal": 30}}})

    one = call("GET", "/api/settings", token=token, query="section=session")
    assert one.status == 200, one
    assert one.data["settings"] == {"session": {**DEFAULT_SESSION, "dailyWordGoal": 30}}
    assert one.data["isDefault"] is False

    sparse = call("GET", "/api/settings", token=token, query="includeDefaults=false")
    assert sparse.data["settings"]["session"] == {"dailyWordGoal": 30}
    assert sparse.data["settings"]["interface"] == {}

    untouched = call("GET", "/api/settings", token=token, query="section=privacy&includeDefaults=0")
    assert untouched.data["settings"] == {"privacy": {}}
    assert untouched.data["isDefault"] is True

    bad = call("GET", "/api/settings", token=token, query="section=colors")
    assert bad.status == 400
    assert bad.json["details"][0]["field"] == "section"
    bad_flag = call("GET", "/api/settings", token=token, query="includeDefaults=maybe")
    assert bad_flag.status == 400
    assert bad_flag.json["details"][0]["field"] == "includeDefaults"


def test_delete_resets_the_named_sections_or_everything(stack, token):
    put(
        token,
        {
            "settings": {
                "interface": {"theme": "dark"},
                "session": {"dailyWordGoal": 30},
                "privacy": {"analytics": False},
            }
        },
    )

    reply = call("DELETE", "/api/settings", token=token, query="section=interface&section=session")
    assert reply.status == 200, reply
    assert reply.data["sectionsUpdated"] == ["interface", "session"]
    assert reply.data["settings"]["interface"]["theme"] == "system"
    assert reply.data["settings"]["privacy"]["analytics"] is False
    assert stored(stack)[0] == {"privacy": {"analytics": False}}

    everything = call("DELETE", "/api/settings", token=token)
    assert everything.status == 200
    assert len(everything.data["sectionsUpdated"]) == 8
    assert stored(stack)[0] == {}
    assert call("GET", "/api/settings", token=token).data["isDefault"] is True


def test_sync_answers_304_while_nothing_changed(token):
    first = call("GET", "/api/settings/sync", token=token)
    assert first.status == 200, first
    assert set(first.data) == {"settings", "version", "updatedAt"}
    tag = first.headers["etag"]
    assert tag == '"v1"'

    unchanged = call("GET", "/api/settings/sync", token=token, headers={"If-None-Match": tag})
    assert unchanged.status == 304
    assert unchanged.text == ""
    assert unchanged.headers["etag"] == tag

    put(token, {"settings": {"interface": {"theme": "dark"}}})
    changed = call("GET", "/api/settings/sync", token=token, headers={"If-None-Match": tag})
    assert changed.status == 200
    assert changed.headers["etag"] == '"v2"'
    assert changed.data["settings"]["interface"]["theme"] == "dark"


def test_the_save_alias_reads_and_writes(token):
    read = call("GET", "/api/settings/save", token=token)
    assert read.status == 200
    assert read.data["isDefault"] is True

    write = call(
        "POST", "/api/settings/save", {"settings": {"difficulty": {"preferred": "advanced"}}}, token=token
    )
    assert write.status == 200, write
    assert write.data["sectionsUpdated"] == ["difficulty"]
    got = call("GET", "/api/settings", token=token)
    assert got.data["settings"]["difficulty"]["preferred"] == "advanced"


@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/settings"),
        ("PUT", "/api/settings"),
        ("DELETE", "/api/settings"),
        ("GET", "/api/settings/save"),
        ("POST", "/api/settings/save"),
        ("GET", "/api/settings/sync"),
    ],
)
def test_settings_need_a_signed_in_user(method, path):
    body = {"settings": {}} if method in ("PUT", "POST") else None
    reply = call(method, path, body)
    assert reply.status == 401, reply
    assert reply.json["code"] == "AUTH_REQUIRED"


def test_users_only_see_their_own_settings(token):
    put(token, {"settings": {"interface": {"theme": "dark"}}})
    other = session_for("ben@example.com")["access_token"]
    assert call("GET", "/api/settings", token=other).data["settings"]["interface"]["theme"] == "system"


def test_get_user_settings_returns_the_merged_document(token):
    from describe_it.user_settings.service import get_user_settings

    reply = put(
        token, {"settings": {"advanced": {"desiredRetention": 0.85}, "session": {"dailyWordGoal": 20}}}
    )
    user_id = UUID(reply.json["metadata"]["userId"])
    document = get_user_settings(user_id)
    assert document["advanced"]["desiredRetention"] == 0.85
    assert document["session"]["dailyWordGoal"] == 20
    assert document["privacy"]["analytics"] is True

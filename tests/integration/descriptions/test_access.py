"""Who may see and change a saved description (spec §5.4, §3): owner, other learners, guests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.descriptions.conftest import SAVED, Learner, body
from tests.support.api import call

PERSONAL = {"isFavorite": False, "rating": None, "notes": None, "sessionId": None}


@pytest.fixture
def rows(ana: Learner, saved: Callable[..., dict[str, Any]], admin_sql: Callable[..., Any]) -> dict[str, Any]:
    [(session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'description') RETURNING id", [ana.id]
    )
    personal = {"isFavorite": True, "rating": 5, "notes": "solo para mí", "sessionId": str(session)}
    return {
        "private": saved(ana, **personal),
        "public": saved(ana, isPublic=True, tags=["compartida"], **personal),
    }


def test_another_learners_private_description_is_404_on_every_route(
    ben: Learner, rows: dict[str, Any]
) -> None:
    path = f"{SAVED}/{rows['private']['id']}"
    for method, payload in (("GET", None), ("PATCH", {"isFavorite": True}), ("DELETE", None)):
        reply = ben.call(method, path, payload)
        assert reply.status == 404, (method, reply)
        assert reply.json["error"] == "Saved description not found"
    assert ben.call("GET", SAVED).data == []


def test_a_public_description_is_readable_by_anyone_and_writable_by_its_owner_only(
    ana: Learner, ben: Learner, rows: dict[str, Any], admin_sql: Callable[..., Any]
) -> None:
    public = rows["public"]
    path = f"{SAVED}/{public['id']}"
    theirs = ben.call("GET", path)
    assert theirs.status == 200, theirs
    assert theirs.data == {**public, **PERSONAL, "isOwner": False}  # what is personal stays the owner's
    guest = call("GET", path)
    assert guest.status == 200 and guest.data == theirs.data
    assert "userId" not in guest.json["metadata"] and guest.json["metadata"]["userTier"] == "guest"
    for method, payload in (("PATCH", {"notes": "mía ahora"}), ("DELETE", None)):
        reply = ben.call(method, path, payload)
        assert reply.status == 403 and reply.json["code"] == "FORBIDDEN", (method, reply)
    assert admin_sql("SELECT personal_notes FROM saved_descriptions WHERE id = %s", [public["id"]]) == [
        ("solo para mí",)
    ]
    mine = ana.call("GET", path)
    assert mine.data == public and mine.data["isOwner"] is True
    assert ana.call("PATCH", path, {"isPublic": False}).status == 200
    assert ben.call("GET", path).status == 404  # private again: gone for everyone else
    assert call("GET", path).status == 404


def test_guests_read_public_rows_only_and_write_nothing(rows: dict[str, Any], image_id: str) -> None:
    assert call("GET", f"{SAVED}/{rows['private']['id']}").status == 404
    for method, path, payload in (
        ("GET", SAVED, None),
        ("POST", SAVED, body(image_id)),
        ("PATCH", f"{SAVED}/{rows['public']['id']}", {"isFavorite": True}),
        ("DELETE", f"{SAVED}/{rows['public']['id']}", None),
    ):
        reply = call(method, path, payload)
        assert reply.status == 401 and reply.json["code"] == "AUTH_REQUIRED", (method, path, reply)


def test_a_bad_token_is_401_even_where_guests_may_read(rows: dict[str, Any]) -> None:
    reply = call("GET", f"{SAVED}/{rows['public']['id']}", token="not.a.token")
    assert reply.status == 401 and reply.json["code"] == "INVALID_TOKEN"


@pytest.mark.parametrize(
    "path_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%27%20OR%201%3D1"]
)
def test_unknown_and_malformed_ids_are_404(ana: Learner, path_id: str) -> None:
    for method, payload in (("GET", None), ("PATCH", {"rating": 1}), ("DELETE", None)):
        assert ana.call(method, f"{SAVED}/{path_id}", payload).status == 404, (method, path_id)


def test_methods_outside_the_contract_are_405(ana: Learner, rows: dict[str, Any]) -> None:
    reply = ana.call("PUT", f"{SAVED}/{rows['public']['id']}", {"rating": 1})
    assert reply.status == 405
    assert reply.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert ana.call("DELETE", SAVED).status == 405

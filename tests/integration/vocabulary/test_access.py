"""Who may see and change what (spec §10): another learner's private list or item is 404 on every route,
a shared list is readable and studyable but not writable (403), guests see public lists only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.vocabulary.conftest import Learner
from tests.support.api import call


@pytest.fixture
def private(ana: Learner) -> dict[str, Any]:
    lst = ana.new_list("Privada")
    [item] = ana.save(lst["id"], ("secreto", "secret"))
    return {"list": lst["id"], "item": item["id"]}


def every_route(ids: dict[str, Any], own_list: str) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, query) for each route that takes a list or item id."""
    lst, item = ids["list"], ids["item"]
    return [
        ("GET", f"/api/vocabulary/lists/{lst}", None, ""),
        ("PATCH", f"/api/vocabulary/lists/{lst}", {"name": "Mía"}, ""),
        ("PUT", f"/api/vocabulary/lists/{lst}", {"name": "Mía"}, ""),
        ("DELETE", f"/api/vocabulary/lists/{lst}", None, ""),
        ("GET", f"/api/vocabulary/lists/{lst}/items", None, ""),
        ("GET", "/api/vocabulary/items", None, f"listId={lst}"),
        ("GET", "/api/vocabulary/save", None, f"listId={lst}"),
        (
            "POST",
            "/api/vocabulary/save",
            {"listId": lst, "vocabulary": {"phrase": "x", "translation": "y"}},
            "",
        ),
        ("GET", f"/api/vocabulary/items/{item}", None, ""),
        ("PATCH", f"/api/vocabulary/items/{item}", {"notes": "mine now"}, ""),
        ("PUT", f"/api/vocabulary/items/{item}", {"notes": "mine now"}, ""),
        ("DELETE", f"/api/vocabulary/items/{item}", None, ""),
        ("POST", "/api/vocabulary/review", {"itemId": item, "rating": "good"}, ""),
        ("GET", "/api/vocabulary/review", None, f"listId={lst}"),
        ("GET", "/api/search/vocabulary", None, f"q=secreto&scope=all&listId={lst}"),
    ]


def test_another_learners_private_list_and_item_are_404_everywhere(
    ana: Learner, ben: Learner, private: dict[str, Any], admin_sql: Callable[..., Any]
) -> None:
    own = ben.new_list("Propia")
    [own_item] = ben.save(own["id"], ("mío", "mine"))
    for method, path, body, query in every_route(private, own["id"]):
        reply = ben.call(method, path, body, query=query)
        if path == "/api/search/vocabulary":
            assert reply.status == 200 and reply.data == [], (method, path, reply)
        else:
            assert reply.status == 404, (method, path, reply)
            assert reply.json["code"] == "NOT_FOUND"
    # moving one's own item into that list is 404 too
    moved = ben.call("PATCH", f"/api/vocabulary/items/{own_item['id']}", {"listId": private["list"]})
    assert moved.status == 404, moved
    # and nothing changed
    assert admin_sql("SELECT name FROM vocabulary_lists WHERE id = %s", [private["list"]]) == [("Privada",)]
    assert admin_sql("SELECT usage_notes FROM vocabulary_items WHERE id = %s", [private["item"]]) == [(None,)]
    assert admin_sql("SELECT count(*) FROM learning_progress") == [(0,)]


def test_a_shared_list_is_readable_and_studyable_but_not_writable(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Compartida", sharedWith=["ben"])
    [item] = ana.save(lst["id"], ("compartir", "to share"))
    assert ben.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 200
    page = ben.call("GET", f"/api/vocabulary/lists/{lst['id']}/items")
    assert [i["spanishText"] for i in page.data] == ["compartir"]
    shared = ben.call("GET", "/api/vocabulary/lists", query="scope=shared")
    assert [x["name"] for x in shared.data] == ["Compartida"]
    assert shared.data[0]["isOwner"] is False and shared.data[0]["sharedWith"] == []
    # studyable: the review is stored as ben's own progress
    review = ben.call("POST", "/api/vocabulary/review", {"itemId": item["id"], "rating": "good"})
    assert review.status == 200, review
    queue = ben.call("GET", "/api/vocabulary/review", query=f"listId={lst['id']}")
    assert queue.status == 200 and queue.data["newAvailable"] == 0
    # not writable
    for method, path, body in [
        ("PATCH", f"/api/vocabulary/lists/{lst['id']}", {"name": "Robada"}),
        ("DELETE", f"/api/vocabulary/lists/{lst['id']}", None),
        ("PATCH", f"/api/vocabulary/items/{item['id']}", {"notes": "x"}),
        ("DELETE", f"/api/vocabulary/items/{item['id']}", None),
        (
            "POST",
            "/api/vocabulary/save",
            {"listId": lst["id"], "vocabulary": {"phrase": "a", "translation": "b"}},
        ),
    ]:
        reply = ben.call(method, path, body)
        assert reply.status == 403, (method, path, reply)
        assert reply.json["code"] == "FORBIDDEN"
    own = ben.new_list("Mía")
    [mine] = ben.save(own["id"], ("propio", "own"))
    assert ben.call("PATCH", f"/api/vocabulary/items/{mine['id']}", {"listId": lst["id"]}).status == 403
    assert admin_sql("SELECT name, total_words FROM vocabulary_lists WHERE id = %s", [lst["id"]]) == [
        ("Compartida", 1)
    ]


def test_guests_see_public_lists_only(ana: Learner, private: dict[str, Any]) -> None:
    public = ana.new_list("Pública", isPublic=True)
    [item] = ana.save(public["id"], ("niño", "child"))
    assert call("GET", f"/api/vocabulary/lists/{public['id']}").status == 200
    page = call("GET", f"/api/vocabulary/lists/{public['id']}/items")
    assert page.status == 200 and page.headers["cache-control"] == "public, max-age=60"
    assert call("GET", f"/api/vocabulary/items/{item['id']}").status == 200
    assert call("GET", f"/api/vocabulary/lists/{private['list']}").status == 404
    assert call("GET", f"/api/vocabulary/lists/{private['list']}/items").status == 404
    assert call("GET", f"/api/vocabulary/items/{private['item']}").status == 404
    # owners' pages are private to the browser
    own_page = ana.call("GET", f"/api/vocabulary/lists/{public['id']}/items")
    assert own_page.headers["cache-control"] == "no-store"
    # routes that need an account
    for method, path in [
        ("GET", "/api/vocabulary/lists"),
        ("GET", "/api/vocabulary/items"),
        ("GET", "/api/vocabulary/review"),
        ("PATCH", f"/api/vocabulary/items/{item['id']}"),
        ("DELETE", f"/api/vocabulary/lists/{public['id']}"),
    ]:
        assert call(method, path, {} if method == "PATCH" else None).status == 401, (method, path)
    search = call("GET", "/api/search/vocabulary", query="q=nino&scope=public")
    assert [hit["spanishText"] for hit in search.data] == ["niño"]
    assert call("GET", "/api/search/vocabulary", query="q=nino").status == 401  # default scope is mine
    assert call("GET", "/api/search/vocabulary", query="q=secreto&scope=public").data == []


def test_malformed_ids_in_paths_are_404(ana: Learner) -> None:
    for path in ("/api/vocabulary/lists/nope", "/api/vocabulary/lists/nope/items", "/api/vocabulary/items/1"):
        assert ana.call("GET", path).status == 404, path

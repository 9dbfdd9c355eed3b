"""Lists (spec §10.1): create, read, rename, share by username, delete; names, filters, sorting, pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.vocabulary.conftest import Learner


def test_create_returns_201_with_location_and_defaults(ana: Learner) -> None:
    reply = ana.call(
        "POST",
        "/api/vocabulary/lists",
        {"name": "  Verbos  ", "category": "general", "difficulty_level": "3"},
    )
    assert reply.status == 201, reply
    lst = reply.data
    assert reply.headers["location"] == f"/api/vocabulary/lists/{lst['id']}"
    assert lst["name"] == "Verbos" and lst["category"] == "custom" and lst["difficultyLevel"] == 3
    assert lst["languagePair"] == "es-en" and lst["isPublic"] is False and lst["totalWords"] == 0
    assert lst["isOwner"] is True and lst["ownerId"] == str(ana.id) and lst["sharedWith"] == []


def test_duplicate_names_are_409_case_insensitively_per_owner(ana: Learner, ben: Learner) -> None:
    first = ana.new_list("Comida")
    again = ana.call("POST", "/api/vocabulary/lists", {"name": "COMIDA"})
    assert again.status == 409, again
    assert again.json["details"][0] == {
        "field": "name", "message": "A list with this name already exists", "code": "duplicate",
        "existingId": first["id"],
    }  # fmt: skip
    assert ben.call("POST", "/api/vocabulary/lists", {"name": "comida"}).status == 201  # another owner
    other = ana.new_list("Bebida")
    renamed = ana.call("PATCH", f"/api/vocabulary/lists/{other['id']}", {"name": "comida"})
    assert renamed.status == 409, renamed
    same = ana.call("PATCH", f"/api/vocabulary/lists/{first['id']}", {"name": "Comida"})
    assert same.status == 200  # renaming a list to its own name is fine


def test_validation_is_a_clear_400(ana: Learner) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "name", "required"),
        ({"name": "   "}, "name", "too_short"),
        ({"name": "x" * 101}, "name", "too_long"),
        ({"name": "<script>alert(1)</script>"}, "name", "unsafe_content"),
        ({"name": "ok", "difficultyLevel": 11}, "difficultyLevel", "too_large"),
        ({"name": "ok", "difficultyLevel": True}, "difficultyLevel", "invalid_type"),
        ({"name": "ok", "category": "sports"}, "category", "invalid_enum"),
        ({"name": "ok", "tags": ["t"] * 21}, "tags", "too_long"),
        ({"name": "ok", "languagePair": "spanish"}, "languagePair", "invalid_format"),
        ({"name": "ok", "isPublic": "yes"}, "isPublic", "invalid_type"),
    ]
    for body, field, code in cases:
        reply = ana.call("POST", "/api/vocabulary/lists", body)
        assert reply.status == 400, (body, reply)
        assert (reply.json["details"][0]["field"], reply.json["details"][0]["code"]) == (field, code), (
            body,
            reply,
        )


def test_sharing_by_username(ana: Learner, ben: Learner, make_learner: Callable[..., Learner]) -> None:
    cid = make_learner("cid")
    bad = ana.call(
        "POST", "/api/vocabulary/lists", {"name": "L", "sharedWith": ["ben", "nobody_here", "ana"]}
    )
    assert bad.status == 400
    assert [(d["field"], d["code"]) for d in bad.json["details"]] == [
        ("sharedWith[1]", "not_found"),
        ("sharedWith[2]", "invalid"),
    ]
    lst = ana.new_list("L", sharedWith=["BEN"])
    assert [s["username"] for s in lst["sharedWith"]] == ["ben"]
    assert ben.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 200
    assert cid.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 404
    # PATCH replaces the whole share set
    changed = ana.call("PATCH", f"/api/vocabulary/lists/{lst['id']}", {"sharedWith": ["cid"]})
    assert [s["username"] for s in changed.data["sharedWith"]] == ["cid"]
    assert ben.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 404
    assert cid.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 200


def test_scopes_fuzzy_name_filter_and_category(ana: Learner, ben: Learner) -> None:
    ana.new_list("Verbos irregulares", category="advanced")
    ana.new_list("Colores")
    ben.new_list("Números públicos", isPublic=True)
    ben.new_list("Privada de Ben")
    names = lambda reply: sorted(x["name"] for x in reply.data)  # noqa: E731
    assert names(ana.call("GET", "/api/vocabulary/lists")) == ["Colores", "Verbos irregulares"]
    assert names(ana.call("GET", "/api/vocabulary/lists", query="scope=public")) == ["Números públicos"]
    assert names(ana.call("GET", "/api/vocabulary/lists", query="scope=all")) == [
        "Colores", "Números públicos", "Verbos irregulares",
    ]  # fmt: skip
    assert names(ana.call("GET", "/api/vocabulary/lists", query="q=verbo")) == ["Verbos irregulares"]
    assert names(ana.call("GET", "/api/vocabulary/lists", query="q=numeros&scope=all")) == [
        "Números públicos"
    ]
    assert names(ana.call("GET", "/api/vocabulary/lists", query="q=colres")) == [
        "Colores"
    ]  # a missing letter
    assert names(ana.call("GET", "/api/vocabulary/lists", query="category=advanced")) == [
        "Verbos irregulares"
    ]
    assert ana.call("GET", "/api/vocabulary/lists", query="scope=everything").status == 400


def test_sorting_and_keyset_pagination(ana: Learner) -> None:
    for name in ("ñandú", "nube", "árbol", "Zorro", "casa"):
        ana.new_list(name)
    by_name = ana.call("GET", "/api/vocabulary/lists", query="sort=name&order=asc")
    assert [x["name"] for x in by_name.data] == ["árbol", "casa", "nube", "ñandú", "Zorro"]
    alias = ana.call("GET", "/api/vocabulary/lists", query="sortBy=name&sortOrder=desc")
    assert [x["name"] for x in alias.data] == ["Zorro", "ñandú", "nube", "casa", "árbol"]
    seen: list[str] = []
    query = "sort=name&order=asc&limit=2"
    while True:
        page = ana.call("GET", "/api/vocabulary/lists", query=query)
        assert page.status == 200, page
        seen += [x["name"] for x in page.data]
        block = page.json["pagination"]
        assert block["total"] is None  # keyset pages are not counted (correction 25)
        if not block["hasMore"]:
            break
        query = f"sort=name&order=asc&limit=2&cursor={block['nextCursor']}"
    assert seen == ["árbol", "casa", "nube", "ñandú", "Zorro"]
    cursor = ana.call("GET", "/api/vocabulary/lists", query="sort=name&limit=2").json["pagination"][
        "nextCursor"
    ]
    # a cursor is bound to its sort; a tampered or foreign one is a 400
    assert ana.call("GET", "/api/vocabulary/lists", query=f"sort=createdAt&cursor={cursor}").status == 400
    assert ana.call("GET", "/api/vocabulary/lists", query=f"sort=name&cursor=x{cursor[1:]}").status == 400
    assert ana.call("GET", "/api/vocabulary/lists", query=f"sort=name&cursor={cursor}&offset=1").status == 400
    assert ana.call("GET", "/api/vocabulary/lists", query="limit=0").status == 400
    assert ana.call("GET", "/api/vocabulary/lists", query="limit=1000").status == 400
    beyond = ana.call("GET", "/api/vocabulary/lists", query="offset=50")
    assert beyond.status == 200 and beyond.data == [] and beyond.json["pagination"]["hasMore"] is False
    assert ana.call("GET", "/api/vocabulary/lists", query="sort=popularity").status == 400


def test_include_progress_is_the_callers_own(ana: Learner, ben: Learner) -> None:
    lst = ana.new_list("Progreso", isPublic=True)
    items = ana.save(lst["id"], ("uno", "one"), ("dos", "two"))
    ben.call("POST", "/api/vocabulary/review", {"itemId": items[0]["id"], "rating": "easy"})
    mine = ben.call("GET", f"/api/vocabulary/lists/{lst['id']}", query="includeProgress=true").data
    assert mine["progress"]["studied"] == 1 and mine["progress"]["due"] == 0
    assert 0 < mine["progress"]["averageMastery"] < 1
    owner = ana.call("GET", f"/api/vocabulary/lists/{lst['id']}", query="includeProgress=true").data
    assert owner["progress"] == {"studied": 0, "mastered": 0, "due": 0, "averageMastery": 0.0}
    assert "progress" not in ana.call("GET", f"/api/vocabulary/lists/{lst['id']}").data


def test_delete_reports_the_items_and_removes_the_owners_progress(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Borrar")
    items = ana.save(lst["id"], ("a", "a"), ("b", "b"), ("c", "c"))
    ana.call("POST", "/api/vocabulary/review", {"itemId": items[0]["id"], "rating": "good"})
    reply = ana.call("DELETE", f"/api/vocabulary/lists/{lst['id']}")
    assert reply.status == 200
    assert reply.data == {"id": lst["id"], "deleted": True, "itemsDeleted": 3}
    assert ana.call("GET", f"/api/vocabulary/lists/{lst['id']}").status == 404
    assert admin_sql("SELECT count(*) FROM vocabulary_items") == [(0,)]
    assert admin_sql("SELECT count(*) FROM learning_progress") == [(0,)]
    assert admin_sql("SELECT count(*) FROM review_logs") == [(0,)]
    assert ana.call("DELETE", f"/api/vocabulary/lists/{lst['id']}").status == 404

"""Items and saving (spec §10.2, §10.3): single and bulk saves, aliases, duplicates, moves, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.vocabulary.conftest import Learner


def test_single_save_with_legacy_aliases_creates_the_collection(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    body = {
        "collectionName": "Viaje",
        "vocabulary": {
            "phrase": "  la estación ", "translation": "the station", "part_of_speech": "sustantivo",
            "difficulty_level": 2, "context": "La estación está cerca.", "contextTranslation": "The station is near.",
            "usage_notes": "tren", "pronunciation_ipa": "es.taˈθjon", "gender": "f", "article": "La",
            "examples": ["Voy a la estación."], "tags": ["viaje"], "id": "client-id", "userId": "someone",
            "metadata": {"masteryLevel": 90, "reviewCount": 3, "source": "phrases"},
        },
    }  # fmt: skip
    reply = ana.call("POST", "/api/vocabulary/save", body)
    assert reply.status == 201, reply
    item = reply.data
    assert reply.headers["location"] == f"/api/vocabulary/items/{item['id']}"
    assert item["spanishText"] == "la estación" and item["englishTranslation"] == "the station"
    assert item["partOfSpeech"] == "noun" and item["difficulty"] == "intermediate"
    assert item["contextSentenceSpanish"] == "La estación está cerca."
    assert item["contextSentenceEnglish"] == "The station is near."
    assert item["notes"] == "tren" and item["gender"] == "femenino" and item["article"] == "la"
    assert item["metadata"] == {"source": "phrases"}  # legacy progress fields are ignored
    assert "progress" not in item
    [(name, total)] = admin_sql(
        "SELECT name, total_words FROM vocabulary_lists WHERE id = %s", [item["listId"]]
    )
    assert (name, total) == ("Viaje", 1)
    # the default collection
    default = ana.call(
        "POST", "/api/vocabulary/save", {"vocabulary": {"spanishText": "hola", "englishTranslation": "hi"}}
    )
    assert default.status == 201
    assert admin_sql("SELECT name FROM vocabulary_lists WHERE id = %s", [default.data["listId"]]) == [
        ("My Vocabulary",)
    ]
    # canonical names win over aliases
    both = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"vocabulary": {"spanishText": "sí", "phrase": "no", "translation": "yes"}},
    )
    assert both.data["spanishText"] == "sí"


def test_duplicates_ignore_case_but_not_accents(ana: Learner) -> None:
    lst = ana.new_list("Palabras")
    first = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"listId": lst["id"], "vocabulary": {"phrase": "si", "translation": "if"}},
    )
    again = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"listId": lst["id"], "vocabulary": {"phrase": "SI", "translation": "if"}},
    )
    assert again.status == 409, again
    assert again.json["details"][0] == {
        "field": "vocabulary.phrase", "message": "This word is already in the list", "code": "duplicate",
        "existingId": first.data["id"],
    }  # fmt: skip
    accented = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"listId": lst["id"], "vocabulary": {"phrase": "sí", "translation": "yes"}},
    )
    assert accented.status == 201  # si ≠ sí
    other = ana.new_list("Otra")
    assert (
        ana.call(
            "POST",
            "/api/vocabulary/save",
            {"listId": other["id"], "vocabulary": {"phrase": "si", "translation": "if"}},
        ).status
        == 201
    )


def test_bulk_of_500_with_duplicates_and_invalid_entries(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    lst = ana.new_list("Masiva")
    ana.save(lst["id"], ("palabra 7", "already there"))
    entries: list[Any] = []
    expected: dict[int, str] = {}
    for i in range(500):
        if i % 50 == 3:
            entries.append({"phrase": "", "translation": "empty"})  # invalid: too short
            expected[i] = "invalid"
        elif i % 50 == 5:
            entries.append("not an object")
            expected[i] = "invalid"
        elif i % 50 == 9:
            entries.append({"phrase": f"PALABRA {i - 1}", "translation": "dup in batch"})  # same as i-1
            expected[i] = "duplicate"
        elif i == 7:
            entries.append({"phrase": "palabra 7", "translation": "dup of stored"})
            expected[i] = "duplicate"
        else:
            entries.append({"phrase": f"palabra {i}", "translation": f"word {i}", "difficulty": (i % 3) + 1})
            expected[i] = "created"
    reply = ana.call("POST", "/api/vocabulary/save", {"listId": lst["id"], "vocabularyItems": entries})
    assert reply.status == 201, reply
    data = reply.data
    assert [r["status"] for r in data["results"]] == [expected[i] for i in range(500)]
    created = sum(1 for s in expected.values() if s == "created")
    assert data["counts"] == {
        "requested": 500, "created": created, "duplicates": sum(1 for s in expected.values() if s == "duplicate"),
        "invalid": sum(1 for s in expected.values() if s == "invalid"),
    }  # fmt: skip
    assert len(data["created"]) == created
    assert data["results"][3]["error"]["field"] == "vocabularyItems[3].phrase"
    assert data["results"][5]["error"]["field"] == "vocabularyItems[5]"
    assert data["results"][9]["id"] == data["results"][8]["id"]  # a duplicate names the item it repeats
    [(stored_total, counted)] = admin_sql(
        "SELECT total_words, (SELECT count(*) FROM vocabulary_items WHERE vocabulary_list_id = l.id)"
        " FROM vocabulary_lists l WHERE id = %s",
        [lst["id"]],
    )
    assert stored_total == counted == created + 1
    # a bulk with nothing new is 200
    again = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"listId": lst["id"], "vocabularyItems": [{"phrase": "palabra 1", "translation": "x"}]},
    )
    assert again.status == 200 and again.data["counts"]["created"] == 0


def test_bulk_envelope_problems_are_400_and_a_failure_stores_nothing(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Nada")
    for body in (
        {"vocabularyItems": []},
        {"vocabularyItems": "many"},
        {"vocabularyItems": [{"phrase": "a", "translation": "b"}] * 501},
        {},
    ):
        assert ana.call("POST", "/api/vocabulary/save", {"listId": lst["id"], **body}).status == 400, body
    # an unknown session fails the request after the insert: the transaction leaves nothing behind
    reply = ana.call(
        "POST", "/api/vocabulary/save",
        {"listId": lst["id"], "sessionId": "3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23",
         "vocabularyItems": [{"phrase": "uno", "translation": "one"}, {"phrase": "dos", "translation": "two"}]},
    )  # fmt: skip
    assert reply.status == 404, reply
    assert admin_sql("SELECT count(*) FROM vocabulary_items") == [(0,)]
    assert admin_sql("SELECT total_words FROM vocabulary_lists WHERE id = %s", [lst["id"]]) == [(0,)]


def test_references_are_checked(ana: Learner) -> None:
    missing = "3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23"
    single = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"vocabulary": {"phrase": "a", "translation": "b", "sourceImageId": missing}},
    )
    assert single.status == 400 and single.json["details"][0]["field"] == "vocabulary.sourceImageId"
    bulk = ana.call(
        "POST", "/api/vocabulary/save",
        {"vocabularyItems": [{"phrase": "a", "translation": "b", "sourceDescriptionId": missing},
                             {"phrase": "c", "translation": "d", "imageUrl": "https://example.com/not-in-catalogue.jpg"}]},
    )  # fmt: skip
    assert bulk.status == 201
    assert [r["status"] for r in bulk.data["results"]] == ["invalid", "created"]
    assert bulk.data["created"][0]["sourceImageId"] is None


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"phrase": "a"}, "vocabulary.englishTranslation", "required"),
        ({"phrase": "a" * 501, "translation": "b"}, "vocabulary.phrase", "too_long"),
        ({"phrase": "a\u0000b", "translation": "b"}, "vocabulary.phrase", "invalid_format"),
        ({"phrase": "a", "translation": "<iframe src=x>"}, "vocabulary.translation", "unsafe_content"),
        ({"phrase": "a", "translation": "b", "difficulty": 4}, "vocabulary.difficulty", "invalid_enum"),
        ({"phrase": "a", "translation": "b", "examples": ["e"] * 11}, "vocabulary.examples", "too_long"),
        (
            {"phrase": "a", "translation": "b", "metadata": {"x": "y" * 5000}},
            "vocabulary.metadata",
            "too_long",
        ),
        ({"phrase": "a", "translation": "b", "article": "der"}, "vocabulary.article", "invalid_enum"),
        ({"phrase": 5, "translation": "b"}, "vocabulary.phrase", "invalid_type"),
    ],
)
def test_item_validation(ana: Learner, item: dict[str, Any], field: str, code: str) -> None:
    reply = ana.call("POST", "/api/vocabulary/save", {"vocabulary": item})
    assert reply.status == 400, reply
    assert (reply.json["details"][0]["field"], reply.json["details"][0]["code"]) == (field, code)


def test_unknown_part_of_speech_is_other(ana: Learner) -> None:
    reply = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"vocabulary": {"phrase": "ojalá", "translation": "hopefully", "partOfSpeech": "interjección"}},
    )
    assert reply.data["partOfSpeech"] == "interjection"
    other = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"vocabulary": {"phrase": "eh", "translation": "eh", "partOfSpeech": "gerundio raro"}},
    )
    assert other.data["partOfSpeech"] == "other"


def test_update_move_and_delete(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    a, b = ana.new_list("A"), ana.new_list("B")
    [perro, gato] = ana.save(a["id"], ("perro", "dog"), ("gato", "cat"))
    ana.save(b["id"], ("gato", "cat"))
    changed = ana.call(
        "PATCH", f"/api/vocabulary/items/{perro['id']}", {"translation": "hound", "notes": "mascota"}
    )
    assert changed.status == 200, changed
    assert changed.data["englishTranslation"] == "hound" and changed.data["notes"] == "mascota"
    assert changed.data["spanishText"] == "perro"
    cleared = ana.call("PUT", f"/api/vocabulary/items/{perro['id']}", {"notes": None, "spanishText": None})
    assert cleared.data["notes"] is None and cleared.data["spanishText"] == "perro"  # required fields stay
    dup = ana.call("PATCH", f"/api/vocabulary/items/{gato['id']}", {"listId": b["id"]})
    assert dup.status == 409 and dup.json["details"][0]["code"] == "duplicate"
    rename_dup = ana.call("PATCH", f"/api/vocabulary/items/{perro['id']}", {"phrase": "GATO"})
    assert rename_dup.status == 409
    moved = ana.call("PATCH", f"/api/vocabulary/items/{perro['id']}", {"listId": b["id"]})
    assert moved.status == 200 and moved.data["listId"] == b["id"]
    totals = dict(admin_sql("SELECT name, total_words FROM vocabulary_lists"))
    assert totals == {"A": 1, "B": 2}
    deleted = ana.call("DELETE", f"/api/vocabulary/items/{perro['id']}")
    assert deleted.data == {"id": perro["id"], "deleted": True}
    assert ana.call("GET", f"/api/vocabulary/items/{perro['id']}").status == 404
    assert dict(admin_sql("SELECT name, total_words FROM vocabulary_lists")) == {"A": 1, "B": 1}


def test_item_pages_filters_sorts_and_progress_in_one_query(ana: Learner, ben: Learner) -> None:
    a, b = ana.new_list("A"), ana.new_list("B", isPublic=True)
    ana.call(
        "POST", "/api/vocabulary/save",
        {"listId": a["id"], "vocabularyItems": [
            {"phrase": "comer", "translation": "to eat", "partOfSpeech": "verb", "difficulty": 1, "tags": ["comida"]},
            {"phrase": "árbol", "translation": "tree", "partOfSpeech": "noun", "difficulty": 3},
            {"phrase": "ñu", "translation": "gnu", "partOfSpeech": "noun", "difficulty": 2, "category": "Animales"},
        ]},
    )  # fmt: skip
    [zorro] = ana.save(b["id"], ("zorro", "fox"))
    texts = lambda reply: [i["spanishText"] for i in reply.data]  # noqa: E731
    assert texts(ana.call("GET", "/api/vocabulary/items", query="sort=spanishText")) == [
        "árbol",
        "comer",
        "ñu",
        "zorro",
    ]
    by_difficulty = texts(ana.call("GET", "/api/vocabulary/items", query="sort=difficulty&order=desc"))
    assert by_difficulty[:2] == ["árbol", "ñu"] and sorted(by_difficulty[2:]) == ["comer", "zorro"]
    assert texts(ana.call("GET", "/api/vocabulary/items", query="partOfSpeech=noun&sort=spanishText")) == [
        "árbol",
        "ñu",
    ]
    assert texts(ana.call("GET", "/api/vocabulary/items", query="tag=comida")) == ["comer"]
    assert texts(ana.call("GET", "/api/vocabulary/items", query="category=animales")) == ["ñu"]
    assert texts(ana.call("GET", "/api/vocabulary/items", query="collectionName=b")) == ["zorro"]
    assert texts(ana.call("GET", "/api/vocabulary/save", query=f"listId={b['id']}")) == ["zorro"]
    assert texts(ana.call("GET", f"/api/vocabulary/lists/{a['id']}/items", query="q=ARBOL")) == ["árbol"]
    assert (
        texts(ana.call("GET", f"/api/vocabulary/lists/{a['id']}/items", query="q=%25")) == []
    )  # % is a character
    # ben studies the public list: his progress, not ana's, is on his page
    ben.call("POST", "/api/vocabulary/review", {"itemId": zorro["id"], "rating": "again"})
    page = ben.call("GET", f"/api/vocabulary/lists/{b['id']}/items", query="includeProgress=true")
    progress = page.data[0]["progress"]
    assert (
        progress["state"] == "learning" and progress["learningPhase"] == "learning" and progress["reps"] == 1
    )
    assert 0 <= progress["retrievability"] <= 1
    assert (
        ana.call("GET", f"/api/vocabulary/lists/{b['id']}/items", query="includeProgress=true").data[0][
            "progress"
        ]
        is None
    )
    by_due = ben.call("GET", "/api/vocabulary/items", query=f"listId={b['id']}&sort=due&includeProgress=true")
    assert by_due.status == 200 and by_due.data[0]["progress"]["reps"] == 1
    walked, query = [], "sort=spanishText&limit=1"
    while True:
        reply = ana.call("GET", "/api/vocabulary/items", query=query)
        walked += texts(reply)
        if not reply.json["pagination"]["hasMore"]:
            break
        query = f"sort=spanishText&limit=1&cursor={reply.json['pagination']['nextCursor']}"
    assert walked == ["árbol", "comer", "ñu", "zorro"]
    assert ana.call("GET", "/api/vocabulary/items", query="sort=mastery&cursor=bogus").status == 400


def test_saving_with_a_session_counts_the_words_learned(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    [(session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'vocabulary') RETURNING id::text", [ana.id]
    )
    body = {
        "sessionId": session,
        "vocabularyItems": [{"phrase": "uno", "translation": "one"}, {"phrase": "uno", "translation": "dup"}],
    }
    assert ana.call("POST", "/api/vocabulary/save", body).status == 201
    single = {"sessionId": session, "vocabulary": {"phrase": "dos", "translation": "two"}}
    assert ana.call("POST", "/api/vocabulary/save", single).status == 201
    assert admin_sql("SELECT vocabulary_learned FROM sessions WHERE id = %s", [session]) == [(2,)]

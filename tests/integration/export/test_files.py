"""Each export opens in the tool it is for, end to end: POST generate → the download route → the file.

The writers' own tests (tests/unit/export/) cover each format in depth (a real Anki import, formula
injection, layout); these check what the routes add: the rows a learner actually has, each content
source, the filters, and the file as the client receives it.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader

from tests.integration.export.conftest import WORDS, Learner, seed_answers, seed_descriptions


def downloaded(learner: Learner, created: dict[str, Any]) -> bytes:
    reply = learner.call("GET", created["downloadUrl"])
    assert reply.status == 200, reply
    assert reply.headers["content-disposition"] == f'attachment; filename="{created["filename"]}"'
    return reply.content


def export_file(learner: Learner, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    reply = learner.export(body)
    assert reply.status == 201, reply
    assert reply.data["status"] == "completed", reply
    return reply.data, downloaded(learner, reply.data)


@pytest.fixture
def words(ana: Learner) -> list[dict[str, Any]]:
    return ana.save(ana.new_list("Mi vocabulario"), *WORDS)


def test_csv_parses_with_its_header_and_accents(ana: Learner, words: list[dict[str, Any]]) -> None:
    created, data = export_file(ana, {"format": "csv", "contentType": "vocabulary"})

    assert data.startswith("\ufeff".encode())  # UTF-8 BOM: a spreadsheet reads the accents right
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert created["recordsCount"] == len(rows) == len(WORDS)
    assert created["fileSizeBytes"] == len(data)
    by_text = {row["spanishText"]: row for row in rows}
    assert set(by_text) == {"el niño", "la canción", "¿Qué tal?", "mañana", "'=SUMA(A1)"}
    assert by_text["el niño"]["contextSentenceSpanish"] == "El niño juega."
    assert by_text["el niño"]["listName"] == "Mi vocabulario"
    assert by_text["'=SUMA(A1)"]["englishTranslation"] == "'+formula"  # formula injection defused
    assert created["content"] == data.decode("utf-8")  # the small file's text came inline too
    assert created["mimeType"] == "text/csv; charset=utf-8"


def test_json_round_trips_with_the_api_field_names(ana: Learner, words: list[dict[str, Any]]) -> None:
    created, data = export_file(
        ana, {"format": "json", "contentType": "vocabulary", "options": {"includeProgress": True}}
    )

    document = json.loads(data)
    assert document["contentType"] == "vocabulary"
    assert document["exportedAt"].endswith("Z")
    api = {item["id"]: item for item in ana.call("GET", "/api/vocabulary/items").data}
    assert len(document["vocabulary"]) == len(api) == len(WORDS)
    for entry in document["vocabulary"]:
        item = api[entry["id"]]
        for field in ("spanishText", "englishTranslation", "listId", "partOfSpeech", "difficulty", "tags"):
            assert entry[field] == item[field], field
        assert entry["progress"] is None  # not reviewed yet
    assert json.loads(created["content"]) == document


def test_apkg_opens_as_an_anki_collection_with_the_notes(ana: Learner, words: list[dict[str, Any]]) -> None:
    created, data = export_file(ana, {"format": "anki", "contentType": "vocabulary"})

    assert created["filename"].endswith(".apkg")
    assert created["content"] is None  # a binary file: download only
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert set(archive.namelist()) == {"collection.anki2", "media"}
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(f"{tmp}/collection.anki2")
        try:
            notes = conn.execute("SELECT id, guid, flds, tags FROM notes").fetchall()
            cards = conn.execute("SELECT nid FROM cards").fetchall()
        finally:
            conn.close()
    fronts = {flds.split("\x1f")[0]: (flds.split("\x1f")[1], tags) for _, _, flds, tags in notes}
    assert set(fronts) == {word["phrase"] for word in WORDS}
    assert fronts["el niño"] == ("the boy<br><br>El niño juega.", " familia ")
    assert sorted(nid for (nid,) in cards) == sorted(nid for nid, *_ in notes)

    # A re-export carries the same note ids and guids: Anki updates the deck instead of duplicating it.
    _, again = export_file(ana, {"format": "anki", "contentType": "vocabulary"})
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(again)) as archive:
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(f"{tmp}/collection.anki2")
        try:
            assert sorted(conn.execute("SELECT id, guid FROM notes").fetchall()) == sorted(
                (nid, guid) for nid, guid, *_ in notes
            )
        finally:
            conn.close()


def test_anki_text_and_quizlet_are_lines_to_import(ana: Learner, words: list[dict[str, Any]]) -> None:
    created, data = export_file(
        ana, {"format": "anki", "contentType": "vocabulary", "options": {"ankiFile": "text"}}
    )
    lines = data.decode().splitlines()
    assert created["filename"].endswith("-anki.txt")
    assert lines[:3] == ["#separator:tab", "#html:false", "#tags column:3"]
    assert "el niño\tthe boy · El niño juega.\tfamilia" in {line.rsplit("\t", 1)[0] for line in lines}

    created, data = export_file(ana, {"format": "quizlet", "contentType": "phrases"})  # legacy name
    assert created["contentType"] == "vocabulary"
    assert set(data.decode().splitlines()) == {f"{word['phrase']}\t{word['translation']}" for word in WORDS}


def test_pdf_has_its_pages_and_text(ana: Learner, words: list[dict[str, Any]]) -> None:
    created, data = export_file(ana, {"format": "pdf", "contentType": "vocabulary"})

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Vocabulary", "el niño", "la canción", "¿Qué tal?", "mañana", "Page 1 of 1"):
        assert expected in text, expected
    assert created["content"] is None


def test_every_content_source_is_the_learners_own(
    ana: Learner, ben: Learner, words: list[dict[str, Any]], admin_sql: Callable[..., Any]
) -> None:
    seed_descriptions(admin_sql, ana.id, 2)
    seed_answers(admin_sql, ana.id, 3)
    seed_descriptions(admin_sql, ben.id, 1, is_public=True)  # readable by ana, but not hers
    seed_answers(admin_sql, ben.id, 1)
    ben_list = ben.new_list("Público", isPublic=True)
    ben.save(ben_list, {"phrase": "el gato", "translation": "the cat"})
    review = ana.call("POST", "/api/vocabulary/review", {"itemId": words[0]["id"], "rating": "good"})
    assert review.status == 200, review

    _, data = export_file(ana, {"format": "json", "contentType": "all"})

    document = json.loads(data)
    assert {entry["spanishText"] for entry in document["vocabulary"]} == {word["phrase"] for word in WORDS}
    assert len(document["descriptions"]) == 2
    assert {entry["imageUrl"][:27] for entry in document["descriptions"]} == {"https://images.example.com/"}
    assert len(document["qa"]) == 3
    assert [entry["vocabularyItemId"] for entry in document["progress"]] == [words[0]["id"]]
    assert document["progress"][0]["reps"] == 1

    _, data = export_file(ana, {"format": "csv", "contentType": "qa"})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {row["question"] for row in rows} == {f"¿Qué hace el niño? ({n})" for n in range(3)}
    assert {row["category"] for row in rows} == {"Comprensión"}

    reader = PdfReader(io.BytesIO(export_file(ana, {"format": "pdf", "contentType": "all"})[1]))
    text = "".join(page.extract_text() for page in reader.pages)
    for heading in ("Vocabulary", "Saved descriptions", "Questions and answers", "Progress"):
        assert heading in text
    assert "pingüino" in text and "el gato" not in text


def test_filters_select_rows_section_by_section(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    animals = ana.new_list("Animales")
    food = ana.new_list("Comida")
    ana.save(
        animals,
        {"phrase": "el perro", "translation": "the dog", "tags": ["casa"], "difficulty": "beginner"},
        {"phrase": "el búho", "translation": "the owl", "tags": ["bosque"], "difficulty": "advanced"},
    )
    ana.save(food, {"phrase": "la manzana", "translation": "the apple", "tags": ["casa"]})
    seed_descriptions(admin_sql, ana.id, 3)  # the first is the favourite
    seed_answers(admin_sql, ana.id, 4)  # answered on March 1st to 4th

    def texts(body: dict[str, Any], section: str = "vocabulary", key: str = "spanishText") -> set[str]:
        document = json.loads(export_file(ana, {"format": "json", **body})[1])
        return {entry[key] for entry in document[section]}

    assert texts({"contentType": "vocabulary", "filters": {"listId": animals}}) == {"el perro", "el búho"}
    assert texts({"contentType": "vocabulary", "filters": {"collectionName": "comida"}}) == {"la manzana"}
    assert texts({"contentType": "vocabulary", "filters": {"tags": ["casa"]}}) == {"el perro", "la manzana"}
    assert texts({"contentType": "vocabulary", "filters": {"difficulty": 3}}) == {"el búho"}
    assert (
        len(texts({"contentType": "descriptions", "filters": {"favoriteOnly": True}}, "descriptions", "id"))
        == 1
    )
    window = {"dateFrom": "2026-03-02", "to": "2026-03-03"}  # whole UTC days, the second one included
    assert texts({"contentType": "qa", "filters": window}, "qa", "question") == {
        "¿Qué hace el niño? (1)",
        "¿Qué hace el niño? (2)",
    }
    assert texts(
        {"contentType": "qa", "filters": {"difficulty": "intermediate"}}, "qa", "question"
    )  # = medio
    assert texts({"contentType": "qa", "filters": {"difficulty": "facil"}}, "qa", "question") == set()

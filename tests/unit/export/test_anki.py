"""Anki exports: the .apkg is an Anki collection Anki imports, and a re-export updates, not duplicates."""

from __future__ import annotations

import io
import json
import sqlite3
import uuid
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from anki import collection as anki_collection

from describe_it.export import anki
from describe_it.export.anki import write_anki_text, write_apkg
from tests.unit.export import synthetic
from tests.unit.export.synthetic import EXPORTED_AT


def _apkg(rows: list, tmp_path: Path, name: str = "deck.apkg", *, deck: str = "Describe It") -> Path:
    path = tmp_path / name
    with path.open("wb") as sink:
        write_apkg(sink, [rows], exported_at=EXPORTED_AT, deck_name=deck)
    return path


def _collection(apkg: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
        assert json.loads(archive.read("media")) == {}
        archive.extract("collection.anki2", tmp_path / apkg.stem)
    return sqlite3.connect(tmp_path / apkg.stem / "collection.anki2")


def _rows(count: int) -> list:
    return [synthetic.vocabulary_row(i) for i in range(count)]


def test_apkg_is_an_anki_collection_with_one_note_and_card_per_item(tmp_path: Path) -> None:
    db = _collection(_apkg(_rows(12), tmp_path), tmp_path)

    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"col", "notes", "cards", "revlog", "graves"}
    ver, models_json, decks_json = db.execute("SELECT ver, models, decks FROM col").fetchone()
    assert ver == 11
    (model,) = json.loads(models_json).values()
    assert [field["name"] for field in model["flds"]] == ["Front", "Back"]
    assert len(model["tmpls"]) == 1
    assert model["tmpls"][0]["qfmt"] == "{{Front}}"
    decks = {deck["name"]: deck["id"] for deck in json.loads(decks_json).values()}
    assert set(decks) == {"Default", "Describe It"}

    notes = db.execute("SELECT id, guid, mid, flds, tags, mod FROM notes ORDER BY id").fetchall()
    assert len(notes) == 12
    by_guid = {guid: (nid, mid, flds, tags, mod) for nid, guid, mid, flds, tags, mod in notes}
    nid, mid, flds, tags, mod = by_guid[anki.note_guid(synthetic.item_id(1))]
    assert nid == anki.note_id(synthetic.item_id(1))
    assert mid == int(model["id"])
    front, back = flds.split("\x1f")
    assert front == "¿Qué?"
    assert back == "What?<br><br>¿Qué quieres comer?<br><br>What do you want to eat?"
    assert tags == " familia día_a_día "
    assert mod == int(synthetic.vocabulary_row(1).updated_at.timestamp())

    cards = db.execute("SELECT nid, did, ord, queue FROM cards").fetchall()
    assert sorted(nid for nid, *_ in cards) == sorted(nid for nid, *_ in notes)
    assert {(did, ord_, queue) for _, did, ord_, queue in cards} == {(decks["Describe It"], 0, 0)}


def test_text_is_html_escaped_in_the_apkg(tmp_path: Path) -> None:
    row = replace(
        synthetic.vocabulary_row(0), spanish_text="<b>niño</b> & co", english_translation="line\nbreak"
    )
    db = _collection(_apkg([row], tmp_path), tmp_path)

    (flds,) = db.execute("SELECT flds FROM notes").fetchone()
    assert flds.split("\x1f")[0] == "&lt;b&gt;niño&lt;/b&gt; &amp; co"
    assert flds.split("\x1f")[1].startswith("line<br>break<br><br>")


def test_note_ids_and_guids_are_stable_across_exports_and_differ_between_items(tmp_path: Path) -> None:
    first = _collection(_apkg(_rows(50), tmp_path, "first.apkg"), tmp_path)
    # The same items in another export, in another order and among new ones: the same notes.
    later = [*_rows(60)[::-1]]
    second = _collection(_apkg(later, tmp_path, "second.apkg"), tmp_path)

    ids_first = dict(first.execute("SELECT guid, id FROM notes"))
    ids_second = dict(second.execute("SELECT guid, id FROM notes"))
    assert len(set(ids_first.values())) == len(set(ids_first)) == 50
    assert all(ids_second[guid] == nid for guid, nid in ids_first.items())
    assert len(ids_second) == 60
    assert all(anki.note_id(synthetic.item_id(i)) < 1_600_000_000_000 for i in range(60))  # in the past


def test_an_item_given_twice_is_one_note(tmp_path: Path) -> None:
    db = _collection(_apkg([synthetic.vocabulary_row(0), synthetic.vocabulary_row(0)], tmp_path), tmp_path)

    assert db.execute("SELECT count(*) FROM notes").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM cards").fetchone() == (1,)


def test_two_items_whose_derived_ids_collide_are_both_kept(tmp_path: Path) -> None:
    # Found by search: these two ids hash to the same note id (1464547225783).
    one = uuid.UUID("c0110000-0000-0000-0000-00000000fb3a")
    two = uuid.UUID("c0110000-0000-0000-0000-00000003b586")
    assert anki.note_id(one) == anki.note_id(two)
    rows = [replace(synthetic.vocabulary_row(0), id=one), replace(synthetic.vocabulary_row(1), id=two)]
    sink = io.BytesIO()

    assert write_apkg(sink, [rows], exported_at=EXPORTED_AT) == 2

    path = tmp_path / "collide.apkg"
    path.write_bytes(sink.getvalue())
    db = _collection(path, tmp_path)
    notes = dict(db.execute("SELECT guid, id FROM notes"))
    assert notes == {anki.note_guid(one): anki.note_id(one), anki.note_guid(two): anki.note_id(one) + 1}
    assert sorted(nid for (nid,) in db.execute("SELECT nid FROM cards")) == [
        anki.note_id(one),
        anki.note_id(one) + 1,
    ]


def test_anki_text_file_has_its_headers_and_columns() -> None:
    sink = io.BytesIO()

    assert write_anki_text(sink, synthetic.vocabulary_batches(3, batch_size=2)) == 3

    lines = sink.getvalue().decode("utf-8").splitlines()
    assert lines[:4] == ["#separator:tab", "#html:false", "#tags column:3", "#guid column:4"]
    assert lines[4].split("\t") == [
        "el niño",
        "the boy · El niño juega en el jardín. · The boy plays in the garden.",
        "",
        anki.note_guid(synthetic.item_id(0)),
    ]
    assert lines[5].split("\t")[2] == "familia día_a_día"


def test_anki_text_quotes_cells_that_would_break_the_file() -> None:
    rows = [
        replace(synthetic.vocabulary_row(0), spanish_text="#hashtag"),  # would be a comment line
        replace(synthetic.vocabulary_row(1), spanish_text='"cita"', english_translation="a\tb\nc"),
    ]
    sink = io.BytesIO()

    write_anki_text(sink, [rows])

    lines = sink.getvalue().decode().splitlines()[4:]
    assert lines[0].startswith('"#hashtag"\t')
    assert lines[1].startswith('"""cita"""\ta b c · ')


# ------------------------------------------------------------------ a real Anki imports them


def _import_apkg(col, path: Path):
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(path), options=anki_collection.ImportAnkiPackageOptions()
    )
    return col.import_anki_package(request).log


def _notes(col) -> dict[str, list[str]]:
    return {col.get_note(nid).guid: list(col.get_note(nid).fields) for nid in col.find_notes("")}


def test_anki_imports_the_apkg_and_a_reexport_updates_instead_of_duplicating(tmp_path: Path) -> None:
    col = anki_collection.Collection(str(tmp_path / "user.anki2"))
    try:
        log = _import_apkg(col, _apkg(_rows(20), tmp_path, "one.apkg"))
        assert (len(log.new), col.note_count(), col.card_count()) == (20, 20, 20)
        note = col.get_note(anki.note_id(synthetic.item_id(1)))
        assert note.fields == ["¿Qué?", "What?<br><br>¿Qué quieres comer?<br><br>What do you want to eat?"]
        assert sorted(note.tags) == ["día_a_día", "familia"]
        assert col.decks.name(note.cards()[0].did) == "Describe It"
        assert note.note_type()["name"] == "Describe It vocabulary"

        # The same items again: nothing new, nothing changed.
        log = _import_apkg(col, _apkg(_rows(20), tmp_path, "two.apkg"))
        assert (len(log.new), len(log.updated), col.note_count()) == (0, 0, 20)

        # One item edited (its updatedAt moves on) and one item added: one update, one new note.
        edited = replace(
            synthetic.vocabulary_row(3, english="the kid"),
            updated_at=synthetic.vocabulary_row(3).updated_at + timedelta(days=1),
        )
        rows = [*_rows(20)[:3], edited, *_rows(21)[4:]]
        log = _import_apkg(col, _apkg(rows, tmp_path, "three.apkg"))
        assert (len(log.new), len(log.updated), col.note_count()) == (1, 1, 21)
        assert _notes(col)[anki.note_guid(synthetic.item_id(3))][1].startswith("the kid<br><br>")

        # Anki's own database check finds nothing to repair (ids in range, fields match the note type).
        assert col.fix_integrity() == ("Database rebuilt and optimized.", True)
        assert col.note_count() == 21
        assert anki.note_id(synthetic.item_id(0)) in col.find_notes("")
    finally:
        col.close()


def test_anki_reads_the_text_file_headers_and_updates_the_same_notes(tmp_path: Path) -> None:
    col = anki_collection.Collection(str(tmp_path / "user.anki2"))
    try:
        _import_apkg(col, _apkg(_rows(4), tmp_path))
        text = tmp_path / "deck.txt"
        edited = [replace(row, english_translation=f"{row.english_translation}!") for row in _rows(4)]
        with text.open("wb") as sink:
            write_anki_text(sink, [edited])

        metadata = col.get_csv_metadata(str(text), None)
        assert metadata.delimiter == metadata.TAB
        assert metadata.is_html is False
        assert (metadata.tags_column, metadata.guid_column) == (3, 4)
        note_type = col.models.by_name(anki.NOTE_TYPE_NAME)
        metadata.global_notetype.id = note_type["id"]
        metadata.global_notetype.field_columns[:] = [1, 2]
        metadata.deck_id = col.decks.id_for_name("Describe It")
        log = col.import_csv(anki_collection.ImportCsvRequest(path=str(text), metadata=metadata)).log

        assert (len(log.new), len(log.updated), col.note_count()) == (0, 4, 4)
        assert _notes(col)[anki.note_guid(synthetic.item_id(1))] == [
            "¿Qué?",
            "What?! · ¿Qué quieres comer? · What do you want to eat?",
        ]
    finally:
        col.close()

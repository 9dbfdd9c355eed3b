"""Anki exports of vocabulary: an ``.apkg`` deck and the tab-separated text of Anki's "Import File".

One note per item on one note type ("Describe It vocabulary": fields Front and Back, one card
template): front = the Spanish text, back = the English translation and the context sentences, the
item's tags as note tags.

Re-exporting must update a learner's deck, not duplicate it. Anki matches an imported note to an
existing one by its **guid** (and keeps its review history), and updates it when the incoming note's
modification time is newer. So the guid and the note id are pure functions of the item id, the note's
modification time is the item's ``updatedAt``, and the note type and deck ids are constants of this
module (the deck's from its name). Anki treats ids as creation times in milliseconds and its "Check
Database" renumbers ids that lie in the future, so the derived ids fall between 2001 and 2020.

The ``.apkg`` is written without holding the export in memory: rows go batch by batch into an SQLite
file in a temporary directory (``/tmp`` on Lambda), which is then streamed into the zip. genanki is
not used: it numbers notes from a clock (no stable note ids) and keeps every note of a deck in a list.
The collection is the legacy schema 11 (``collection.anki2``) that every Anki version imports.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Iterable
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from describe_it.export.models import Batches, VocabularyRow
from describe_it.export.text import one_line

if TYPE_CHECKING:
    import sqlite3

DEFAULT_DECK = "Describe It"
NOTE_TYPE_NAME = "Describe It vocabulary"
_ID_FLOOR = 1_000_000_000_000  # 2001-09-09 in ms
_ID_SPAN = 600_000_000_000  # ~19 years: every derived id is a time in the past
# Anki's guid alphabet (base 91, as Anki's own ``guid64``).
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
# A fixed time for the note type and deck records: bumping it tells Anki the note type changed.
_SCHEMA_MOD = 1_700_000_000
_CSS = ".card { font-family: arial; font-size: 22px; text-align: center; color: black; background: white; }"


def _derived_id(key: str) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    return _ID_FLOOR + int.from_bytes(digest[:8], "big") % _ID_SPAN


def note_id(item_id: UUID) -> int:
    """The Anki note id of a vocabulary item (also its card's id)."""
    return _derived_id(f"describe-it:note:{item_id}")


def note_guid(item_id: UUID) -> str:
    """The Anki guid of a vocabulary item: 64 bits of its hash in Anki's base-91 alphabet."""
    value = int.from_bytes(hashlib.sha256(f"describe-it:guid:{item_id}".encode()).digest()[:8], "big")
    chars = []
    while value:
        value, digit = divmod(value, len(_BASE91))
        chars.append(_BASE91[digit])
    return "".join(reversed(chars)) or _BASE91[0]


MODEL_ID = _derived_id("describe-it:note-type:vocabulary")


def deck_id(deck_name: str) -> int:
    return _derived_id(f"describe-it:deck:{deck_name}")


def anki_tags(tags: Iterable[str]) -> list[str]:
    """Anki tags cannot hold spaces: each run of whitespace becomes ``_``; empty tags are dropped."""
    return ["_".join(tag.split()) for tag in tags if tag.strip()]


# ---------------------------------------------------------------- text file (Anki "Import File")

TEXT_HEADER = "#separator:tab\n#html:false\n#tags column:3\n#guid column:4\n"


def write_anki_text(sink: IO[bytes], batches: Batches[VocabularyRow]) -> int:
    """Columns: front, back, tags, guid (the same guid as the ``.apkg``, so either import updates
    notes made by the other). Plain text (``#html:false``), one note per line."""
    sink.write(TEXT_HEADER.encode())
    count = 0
    for batch in batches:
        lines = [
            "\t".join(
                (
                    _text_cell(row.spanish_text),
                    _text_cell(" · ".join(_back_parts(row))),
                    _text_cell(" ".join(anki_tags(row.tags))),
                    note_guid(row.id),
                )
            )
            + "\n"
            for row in batch
        ]
        sink.write("".join(lines).encode())
        count += len(lines)
    return count


def _text_cell(text: str) -> str:
    # Anki reads the file as CSV: a cell with a quote is quoted (quotes doubled), and so is one that
    # starts with "#", which would otherwise make its line a comment.
    text = one_line(text)
    if '"' in text or text.startswith("#"):
        return '"' + text.replace('"', '""') + '"'
    return text


def _back_parts(row: VocabularyRow) -> list[str]:
    parts = [row.english_translation, row.context_sentence_spanish, row.context_sentence_english]
    return [part for part in parts if part and part.strip()]


# ---------------------------------------------------------------- .apkg

_SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null,
  ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null,
  models text not null, decks text not null, dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null,
  usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null,
  flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null,
  mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null,
  ivl integer not null, factor integer not null, reps integer not null, lapses integer not null,
  left integer not null, odue integer not null, odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null,
  ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null,
  type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""
# id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
_INSERT_NOTE = f"INSERT OR IGNORE INTO notes VALUES (?, ?, {MODEL_ID}, ?, -1, ?, ?, ?, ?, 0, '')"
# id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data
_INSERT_CARD = "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')"

# (guid, mod, tags, flds, sfld, csum) of one note, before its id is placed.
_Note = tuple[str, int, str, str, str, int]


def write_apkg(
    sink: IO[bytes],
    batches: Batches[VocabularyRow],
    *,
    exported_at: datetime,
    deck_name: str = DEFAULT_DECK,
) -> int:
    """Write an ``.apkg`` (zip: ``collection.anki2`` + ``media``) to ``sink``; returns the note count.

    An item that appears twice is written once.
    """
    import sqlite3
    import tempfile
    import zipfile

    did = deck_id(deck_name)
    with tempfile.TemporaryDirectory(prefix="apkg-") as workdir:
        path = os.path.join(workdir, "collection.anki2")
        # Autocommit mode: each batch is one explicit transaction.
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = MEMORY")  # a scratch file: no crash safety needed
            conn.execute("PRAGMA synchronous = OFF")
            conn.executescript(_SCHEMA)
            count = 0
            for batch in batches:
                count += _write_batch(conn, [_note(row) for row in batch], did, first_due=count + 1)
            _write_collection(conn, exported_at, did, deck_name, next_position=count + 1)
        finally:
            conn.close()
        # ZipFile.write streams the file in chunks; it never reads it into memory whole.
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "collection.anki2")
            archive.writestr("media", "{}")
    return count


def _note(row: VocabularyRow) -> tuple[UUID, _Note]:
    front = row.spanish_text
    back = "<br><br>".join(_html(part) for part in _back_parts(row))
    tags = anki_tags(row.tags)
    return row.id, (
        note_guid(row.id),
        int(row.updated_at.timestamp()),
        f" {' '.join(tags)} " if tags else "",
        _html(front) + "\x1f" + back,
        front,
        # Anki's first-field checksum (duplicate detection): the first 8 hex digits of its SHA-1.
        int(hashlib.sha1(front.encode()).hexdigest()[:8], 16),  # noqa: S324 - Anki's format, not security
    )


def _html(text: str) -> str:
    return html.escape(text.strip(), quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def _write_batch(conn: sqlite3.Connection, notes: list[tuple[UUID, _Note]], did: int, first_due: int) -> int:
    """Insert one batch's notes and cards; returns how many notes were new."""
    conn.execute("BEGIN")
    inserted = conn.executemany(_INSERT_NOTE, [(note_id(item), *note) for item, note in notes]).rowcount
    if inserted == len(notes):
        placed = [(note_id(item), note) for item, note in notes]
    else:
        # Rare: a derived id already taken (a hash collision, p < 0.3 % for 50,000 items) or an item
        # given twice. Redo the batch one note at a time, moving a clashing note to the next free id.
        conn.execute("ROLLBACK")
        conn.execute("BEGIN")
        placed = []
        for item, note in notes:
            nid = _place(conn, note_id(item), note)
            if nid is not None:
                placed.append((nid, note))
    cards = [(nid, nid, did, note[1], first_due + i) for i, (nid, note) in enumerate(placed)]
    conn.executemany(_INSERT_CARD, cards)
    conn.execute("COMMIT")
    return len(placed)


def _place(conn: sqlite3.Connection, nid: int, note: _Note) -> int | None:
    """Insert ``note`` at ``nid`` or the next free id; ``None`` if the note (same guid) is already there."""
    while True:
        taken = conn.execute("SELECT guid FROM notes WHERE id = ?", (nid,)).fetchone()
        if taken is None:
            conn.execute(_INSERT_NOTE, (nid, *note))
            return nid
        if taken[0] == note[0]:
            return None
        nid = _ID_FLOOR + (nid - _ID_FLOOR + 1) % _ID_SPAN


def _write_collection(
    conn: sqlite3.Connection, exported_at: datetime, did: int, deck_name: str, next_position: int
) -> None:
    now = int(exported_at.timestamp())
    conf = {
        "activeDecks": [did],
        "curDeck": did,
        "curModel": str(MODEL_ID),
        "newSpread": 0,
        "nextPos": next_position,
        "sortType": "noteFld",
        "sortBackwards": False,
        "addToCur": True,
        "collapseTime": 1200,
        "timeLim": 0,
        "estTimes": True,
        "dueCounts": True,
    }
    decks = {"1": _deck(1, "Default"), str(did): _deck(did, deck_name)}
    conn.execute(
        "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
        (
            now,
            now * 1000,
            now * 1000,
            json.dumps(conf),
            json.dumps({str(MODEL_ID): _note_type(did)}),
            json.dumps(decks),
            json.dumps({"1": _DECK_OPTIONS}),
        ),
    )


def _deck(did: int, name: str) -> dict[str, Any]:
    return {
        "id": did,
        "name": name,
        "desc": "",
        "mod": _SCHEMA_MOD,
        "usn": -1,
        "conf": 1,
        "dyn": 0,
        "collapsed": False,
        "extendNew": 10,
        "extendRev": 50,
        "newToday": [0, 0],
        "revToday": [0, 0],
        "lrnToday": [0, 0],
        "timeToday": [0, 0],
    }


def _note_type(did: int) -> dict[str, Any]:
    field = {"font": "Arial", "media": [], "rtl": False, "size": 20, "sticky": False}
    return {
        "id": MODEL_ID,
        "name": NOTE_TYPE_NAME,
        "type": 0,
        "mod": _SCHEMA_MOD,
        "usn": -1,
        "sortf": 0,
        "did": did,
        "tags": [],
        "vers": [],
        "css": _CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "flds": [{**field, "name": "Front", "ord": 0}, {**field, "name": "Back", "ord": 1}],
        "tmpls": [
            {
                "name": "Card 1",
                "ord": 0,
                "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}",
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
        ],
        "req": [[0, "any", [0]]],
    }


_DECK_OPTIONS: dict[str, Any] = {
    "id": 1,
    "name": "Default",
    "mod": 0,
    "usn": 0,
    "maxTaken": 60,
    "autoplay": True,
    "timer": 0,
    "replayq": True,
    "dyn": False,
    "new": {
        "bury": True,
        "delays": [1, 10],
        "initialFactor": 2500,
        "ints": [1, 4, 7],
        "order": 1,
        "perDay": 20,
        "separate": True,
    },
    "rev": {
        "bury": True,
        "ease4": 1.3,
        "fuzz": 0.05,
        "ivlFct": 1,
        "maxIvl": 36500,
        "minSpace": 1,
        "perDay": 200,
    },
    "lapse": {"delays": [10], "leechAction": 0, "leechFails": 8, "minInt": 1, "mult": 0},
}

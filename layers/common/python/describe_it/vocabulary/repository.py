"""SQL of vocabulary lists, shares and items (role ``describeit_app``).

Row-level security decides what is readable (own, shared, public lists and their items) and writable
(own lists); the queries still name the owner or the list explicitly so the planner uses the indexes.
Rows come back typed (``class_row``). A page is one query: items and the caller's progress together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

# Re-exported: the vocabulary service and the search build their windows and sorts through this module.
from describe_it.db.keyset import SortKey as SortKey
from describe_it.db.keyset import Window as Window
from describe_it.db.keyset import keyset as _keyset

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]


# --- rows --------------------------------------------------------------------------------------------


@dataclass
class ListRow:
    id: UUID
    name: str
    description: str | None
    category: str
    difficulty_level: int
    language_pair: str
    tags: list[str]
    is_public: bool
    total_words: int
    owner_id: UUID | None
    created_at: datetime
    updated_at: datetime
    sort_key: str | None = None


@dataclass
class ShareRow:
    list_id: UUID
    user_id: UUID
    username: str | None


@dataclass
class ListProgressRow:
    list_id: UUID
    studied: int
    mastered: int
    due: int
    mastery_sum: float


@dataclass
class ItemRow:
    id: UUID
    list_id: UUID
    spanish_text: str
    english_translation: str
    lemma: str | None
    definition: str | None
    part_of_speech: str
    difficulty: str
    category: str | None
    gender: str | None
    article: str | None
    plural_form: str | None
    conjugation: str | None
    context_sentence_spanish: str | None
    context_sentence_english: str | None
    examples: list[str]
    pronunciation_ipa: str | None
    notes: str | None
    tags: list[str]
    frequency_score: int | None
    source_image_id: UUID | None
    source_description_id: UUID | None
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    # the caller's progress (LEFT JOIN): all None for an item never reviewed
    p_state: str | None = None
    p_step: int | None = None
    p_stability: float | None = None
    p_difficulty: float | None = None
    p_due: datetime | None = None
    p_last_review: datetime | None = None
    p_reps: int | None = None
    p_lapses: int | None = None
    p_correct_count: int | None = None
    p_incorrect_count: int | None = None
    p_streak_count: int | None = None
    p_mastery: float | None = None
    p_average_response_time_ms: int | None = None
    p_first_reviewed_at: datetime | None = None
    sort_key: str | None = None
    list_name: str | None = None
    owner_id: UUID | None = None


@dataclass
class SavedRow:
    idx: int
    created_id: UUID | None
    existing_id: UUID | None


LIST_COLUMNS = """l.id, l.name, l.description, l.category::text AS category, l.difficulty_level, l.language_pair,
    l.tags, l.is_public, l.total_words, l.owner_id, l.created_at, l.updated_at"""
ITEM_COLUMNS = """i.id, i.vocabulary_list_id AS list_id, i.spanish_text, i.english_translation, i.lemma,
    i.definition, i.part_of_speech::text AS part_of_speech, i.difficulty_level::text AS difficulty, i.category,
    i.gender::text AS gender, i.article, i.plural_form, i.conjugation, i.context_sentence_spanish,
    i.context_sentence_english, i.examples, i.pronunciation_ipa, i.usage_notes AS notes, i.tags,
    i.frequency_score, i.source_image_id, i.source_description_id, i.metadata, i.created_at, i.updated_at"""
PROGRESS_COLUMNS = """p.state::text AS p_state, p.step AS p_step, p.stability AS p_stability,
    p.difficulty AS p_difficulty, p.due AS p_due, p.last_review AS p_last_review, p.reps AS p_reps,
    p.lapses AS p_lapses, p.correct_count AS p_correct_count, p.incorrect_count AS p_incorrect_count,
    p.streak_count AS p_streak_count, p.mastery::float8 AS p_mastery,
    p.average_response_time_ms AS p_average_response_time_ms, p.first_reviewed_at AS p_first_reviewed_at"""
# The caller's progress row; for a guest (%(me)s NULL) the join finds nothing.
PROGRESS_JOIN = "LEFT JOIN learning_progress p ON p.vocabulary_item_id = i.id AND p.user_id = %(me)s"

# API field -> column, for the writes that set only what was sent.
LIST_FIELDS = {
    "name": "name", "description": "description", "category": "category", "difficulty_level": "difficulty_level",
    "language_pair": "language_pair", "tags": "tags", "is_public": "is_public",
}  # fmt: skip
ITEM_FIELDS = {
    "spanish_text": "spanish_text", "english_translation": "english_translation", "lemma": "lemma",
    "definition": "definition", "part_of_speech": "part_of_speech", "difficulty": "difficulty_level",
    "category": "category", "gender": "gender", "article": "article", "plural_form": "plural_form",
    "conjugation": "conjugation", "context_sentence_spanish": "context_sentence_spanish",
    "context_sentence_english": "context_sentence_english", "examples": "examples",
    "pronunciation_ipa": "pronunciation_ipa", "notes": "usage_notes", "tags": "tags",
    "frequency_score": "frequency_score", "source_image_id": "source_image_id",
    "source_description_id": "source_description_id", "metadata": "metadata", "list_id": "vocabulary_list_id",
}  # fmt: skip
# Enum columns take their type from a cast of the bound text.
LIST_CASTS = {"category": "::vocabulary_category"}
ITEM_CASTS = {
    "part_of_speech": "::part_of_speech", "difficulty_level": "::difficulty_level", "gender": "::spanish_gender",
}  # fmt: skip


def _values(
    fields: dict[str, Any], columns: dict[str, str], casts: dict[str, str]
) -> tuple[list[str], list[Any]]:
    sets, values = [], []
    for name, value in fields.items():
        column = columns[name]
        sets.append(f"{column} = %s{casts.get(column, '')}")
        values.append(Jsonb(value) if column == "metadata" else value)
    return sets, values


# --- lists -------------------------------------------------------------------------------------------


def get_list(conn: Conn, list_id: UUID) -> ListRow | None:
    """The list if the caller may read it (RLS: own, shared, public)."""
    cur = conn.cursor(row_factory=class_row(ListRow))
    return cur.execute(f"SELECT {LIST_COLUMNS} FROM vocabulary_lists l WHERE l.id = %s", [list_id]).fetchone()


def own_list_by_name(conn: Conn, owner: UUID, name: str) -> ListRow | None:
    cur = conn.cursor(row_factory=class_row(ListRow))
    return cur.execute(
        f"SELECT {LIST_COLUMNS} FROM vocabulary_lists l WHERE l.owner_id = %s AND lower(l.name) = lower(%s)",
        [owner, name],
    ).fetchone()


def insert_list(conn: Conn, owner: UUID, fields: dict[str, Any]) -> ListRow | None:
    """A new own list, or None when the owner already has one with that name (any case)."""
    columns = ["owner_id", *(LIST_FIELDS[name] for name in fields)]
    values: list[Any] = [owner, *fields.values()]
    placeholders = ", ".join(["%s"] + [f"%s{LIST_CASTS.get(c, '')}" for c in columns[1:]])
    cur = conn.cursor(row_factory=class_row(ListRow))
    return cur.execute(
        f"""INSERT INTO vocabulary_lists AS l ({", ".join(columns)}) VALUES ({placeholders})
            ON CONFLICT (owner_id, lower(name)) DO NOTHING RETURNING {LIST_COLUMNS}""",
        values,
    ).fetchone()


def update_list(conn: Conn, list_id: UUID, fields: dict[str, Any]) -> ListRow | None:
    sets, values = _values(fields, LIST_FIELDS, LIST_CASTS)
    cur = conn.cursor(row_factory=class_row(ListRow))
    return cur.execute(
        f"UPDATE vocabulary_lists l SET {', '.join(sets)} WHERE l.id = %s RETURNING {LIST_COLUMNS}",
        [*values, list_id],
    ).fetchone()


def delete_list(conn: Conn, list_id: UUID) -> int | None:
    """Deletes the list and its items; the number of items, or None if nothing was deleted."""
    row = conn.execute(
        "DELETE FROM vocabulary_lists WHERE id = %s RETURNING total_words", [list_id]
    ).fetchone()
    return None if row is None else int(row["total_words"])


LIST_SCOPES = {
    "mine": "l.owner_id = %(me)s",
    "shared": "l.id = ANY ((SELECT shared_list_ids())::uuid[])",
    "public": "l.is_public",
    "all": "TRUE",  # everything readable: row-level security is the filter
}


def page_lists(
    conn: Conn,
    me: UUID,
    *,
    scope: str,
    q: str | None,
    category: str | None,
    sort: SortKey,
    window: Window,
) -> list[ListRow]:
    params: dict[str, Any] = {"me": me}
    where = [LIST_SCOPES[scope]]
    if q is not None:
        # word similarity >= 0.3 (the search's trigram bar): "verbo" finds "Verbos irregulares", "colres"
        # finds "Colores"; accents and case do not matter
        conn.execute("SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true)")
        params["q"] = q
        where.append("public.immutable_unaccent(lower(%(q)s)) <%% public.immutable_unaccent(lower(l.name))")
    if category is not None:
        params["category"] = category
        where.append("l.category = %(category)s::vocabulary_category")
    extra, order = _keyset(sort, window, "l.id", params)
    cur = conn.cursor(row_factory=class_row(ListRow))
    return cur.execute(
        f"""SELECT {LIST_COLUMNS}, ({sort.expression})::text AS sort_key FROM vocabulary_lists l
             WHERE {" AND ".join(where)}{extra}{order}""",
        params,
    ).fetchall()


def shares_of(conn: Conn, list_ids: list[UUID]) -> list[ShareRow]:
    """Who the lists are shared with (RLS shows the shares of own lists only)."""
    cur = conn.cursor(row_factory=class_row(ShareRow))
    return cur.execute(
        """SELECT s.list_id, s.user_id, u.username::text AS username FROM vocabulary_list_shares s
             LEFT JOIN user_public_profiles u ON u.id = s.user_id
            WHERE s.list_id = ANY (%s) ORDER BY s.list_id, u.username""",
        [list_ids],
    ).fetchall()


def users_by_username(conn: Conn, usernames: list[str]) -> dict[str, UUID]:
    """lower(username) -> id of the active accounts among ``usernames``."""
    rows = conn.execute(
        "SELECT id, lower(username::text) AS name FROM user_public_profiles WHERE username = ANY (%s::citext[])",
        [usernames],
    ).fetchall()
    return {row["name"]: row["id"] for row in rows}


def replace_shares(conn: Conn, list_id: UUID, user_ids: list[UUID]) -> None:
    conn.execute(
        "DELETE FROM vocabulary_list_shares WHERE list_id = %s AND NOT (user_id = ANY (%s))",
        [list_id, user_ids],
    )
    conn.execute(
        """INSERT INTO vocabulary_list_shares (list_id, user_id) SELECT %s, unnest(%s::uuid[])
            ON CONFLICT DO NOTHING""",
        [list_id, user_ids],
    )


def list_progress(conn: Conn, me: UUID, list_ids: list[UUID], now: datetime) -> list[ListProgressRow]:
    cur = conn.cursor(row_factory=class_row(ListProgressRow))
    return cur.execute(
        """SELECT i.vocabulary_list_id AS list_id, count(*)::int AS studied,
                  (count(*) FILTER (WHERE p.learning_phase = 'mastered'))::int AS mastered,
                  (count(*) FILTER (WHERE p.due <= %s))::int AS due, coalesce(sum(p.mastery), 0)::float8 AS mastery_sum
             FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
            WHERE p.user_id = %s AND i.vocabulary_list_id = ANY (%s)
            GROUP BY i.vocabulary_list_id""",
        [now, me, list_ids],
    ).fetchall()


# --- items -------------------------------------------------------------------------------------------


@dataclass
class ItemFilter:
    """Filters of the item pages; ``own_lists`` limits to the caller's lists (GET /api/vocabulary/items)."""

    list_id: UUID | None = None
    own_lists: bool = False
    collection_name: str | None = None
    category: str | None = None
    difficulty: str | None = None
    part_of_speech: str | None = None
    tags: list[str] | None = None
    q: str | None = None

    def sql(self, params: dict[str, Any]) -> list[str]:
        where: list[str] = []
        if self.list_id is not None:
            params["list_id"] = self.list_id
            where.append("i.vocabulary_list_id = %(list_id)s")
        if self.own_lists:
            where.append(
                "EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = i.vocabulary_list_id AND l.owner_id = %(me)s)"
            )
        if self.collection_name is not None:
            params["collection"] = self.collection_name
            where.append(
                """i.vocabulary_list_id = (SELECT l.id FROM vocabulary_lists l
                    WHERE l.owner_id = %(me)s AND lower(l.name) = lower(%(collection)s))"""
            )
        if self.category is not None:
            params["category"] = self.category
            where.append("lower(i.category) = lower(%(category)s)")
        if self.difficulty is not None:
            params["difficulty"] = self.difficulty
            where.append("i.difficulty_level = %(difficulty)s::difficulty_level")
        if self.part_of_speech is not None:
            params["pos"] = self.part_of_speech
            where.append("i.part_of_speech = %(pos)s::part_of_speech")
        if self.tags:
            params["tags"] = self.tags
            where.append("i.tags @> %(tags)s::text[]")
        if self.q is not None:
            # a substring, accents and case ignored (strpos: % and _ are plain characters)
            params["q"] = self.q
            where.append(
                """(strpos(public.immutable_unaccent(lower(i.spanish_text)), public.immutable_unaccent(lower(%(q)s))) > 0
                    OR strpos(public.immutable_unaccent(lower(i.english_translation)),
                              public.immutable_unaccent(lower(%(q)s))) > 0)"""
            )
        return where


def page_items(
    conn: Conn, me: UUID | None, filters: ItemFilter, sort: SortKey, window: Window
) -> list[ItemRow]:
    """One page of items with the caller's progress, in one query."""
    params: dict[str, Any] = {"me": me}
    where = filters.sql(params) or ["TRUE"]
    extra, order = _keyset(sort, window, "i.id", params)
    cur = conn.cursor(row_factory=class_row(ItemRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}, ({sort.expression})::text AS sort_key
              FROM vocabulary_items i {PROGRESS_JOIN}
             WHERE {" AND ".join(where)}{extra}{order}""",
        params,
    ).fetchall()


def get_item(conn: Conn, me: UUID | None, item_id: UUID) -> ItemRow | None:
    """The item (if readable), the caller's progress and the list's owner."""
    cur = conn.cursor(row_factory=class_row(ItemRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}, l.owner_id
              FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id {PROGRESS_JOIN}
             WHERE i.id = %(item)s""",
        {"me": me, "item": item_id},
    ).fetchone()


def items_by_id(conn: Conn, me: UUID | None, item_ids: list[UUID]) -> list[ItemRow]:
    cur = conn.cursor(row_factory=class_row(ItemRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS} FROM vocabulary_items i {PROGRESS_JOIN}
             WHERE i.id = ANY (%(ids)s)""",
        {"me": me, "ids": item_ids},
    ).fetchall()


def item_in_list(conn: Conn, list_id: UUID, spanish_text: str) -> UUID | None:
    """The item of the list with this Spanish text (case-insensitive, accents significant)."""
    row = conn.execute(
        "SELECT id FROM vocabulary_items WHERE vocabulary_list_id = %s AND lower(spanish_text) = lower(%s)",
        [list_id, spanish_text],
    ).fetchone()
    return None if row is None else row["id"]


def saved_texts(conn: Conn, me: UUID, texts: list[str]) -> set[str]:
    """Which of ``texts`` (lower-cased) the user already has in one of their own lists: one query for the
    whole set (the ``saved`` flag of extracted phrases, spec §7); case-insensitive, accents significant."""
    rows = conn.execute(
        """SELECT DISTINCT lower(i.spanish_text) AS text
             FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id
            WHERE l.owner_id = %s AND lower(i.spanish_text) = ANY (%s::text[])""",
        [me, sorted({t.lower() for t in texts})],
    ).fetchall()
    return {row["text"] for row in rows}


def update_item(conn: Conn, item_id: UUID, fields: dict[str, Any]) -> bool:
    sets, values = _values(fields, ITEM_FIELDS, ITEM_CASTS)
    cursor = conn.execute(f"UPDATE vocabulary_items SET {', '.join(sets)} WHERE id = %s", [*values, item_id])
    return cursor.rowcount == 1


def delete_item(conn: Conn, item_id: UUID) -> bool:
    return conn.execute("DELETE FROM vocabulary_items WHERE id = %s", [item_id]).rowcount == 1


# Columns of a bulk insert, in the order of jsonb_to_recordset's record definition.
_BULK_COLUMNS = (
    ("spanish_text", "text"), ("english_translation", "text"), ("lemma", "text"), ("definition", "text"),
    ("part_of_speech", "part_of_speech"), ("difficulty_level", "difficulty_level"), ("category", "text"),
    ("gender", "spanish_gender"), ("article", "text"), ("plural_form", "text"), ("conjugation", "text"),
    ("context_sentence_spanish", "text"), ("context_sentence_english", "text"), ("examples", "text[]"),
    ("tags", "text[]"), ("pronunciation_ipa", "text"), ("usage_notes", "text"), ("frequency_score", "smallint"),
    ("source_image_id", "uuid"), ("source_description_id", "uuid"), ("metadata", "jsonb"),
)  # fmt: skip
_RECORD = ", ".join(["idx int"] + [f"{name} {kind}" for name, kind in _BULK_COLUMNS])
_NAMES = ", ".join(name for name, _ in _BULK_COLUMNS)


def insert_items(conn: Conn, list_id: UUID, rows: list[dict[str, Any]]) -> list[SavedRow]:
    """Insert many items in ONE statement; per input index: the new id, or the id it duplicates.

    A duplicate is the same list and the same lower(spanish_text) — already stored, or earlier in the
    same batch (the first one wins). Items keep the batch's order: ``created_at`` (the list order)
    grows by a microsecond per index within the one transaction timestamp. ``existing_id`` may be None when a concurrent request stored the
    same text after this statement's snapshot: still a duplicate, nothing is overwritten.
    """
    cur = conn.cursor(row_factory=class_row(SavedRow))
    return cur.execute(
        f"""WITH src AS (SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS r ({_RECORD})),
                 firsts AS (SELECT DISTINCT ON (lower(spanish_text)) * FROM src ORDER BY lower(spanish_text), idx),
                 ins AS (INSERT INTO vocabulary_items (vocabulary_list_id, created_at, {_NAMES})
                         SELECT %(list)s, now() + idx * interval '1 microsecond', {_NAMES} FROM firsts ORDER BY idx
                         ON CONFLICT (vocabulary_list_id, lower(spanish_text)) DO NOTHING
                         RETURNING id, lower(spanish_text) AS k)
            SELECT s.idx,
                   CASE WHEN f.idx = s.idx THEN ins.id END AS created_id,
                   coalesce(e.id, CASE WHEN f.idx <> s.idx THEN ins.id END) AS existing_id
              FROM src s
              JOIN firsts f ON lower(f.spanish_text) = lower(s.spanish_text)
              LEFT JOIN ins ON ins.k = lower(s.spanish_text)
              LEFT JOIN vocabulary_items e ON e.vocabulary_list_id = %(list)s
                                          AND lower(e.spanish_text) = lower(s.spanish_text)
             ORDER BY s.idx""",
        {"rows": Jsonb(rows), "list": list_id},
    ).fetchall()


def existing_images(conn: Conn, ids: list[UUID]) -> set[UUID]:
    return {row["id"] for row in conn.execute("SELECT id FROM images WHERE id = ANY (%s)", [ids]).fetchall()}


def images_by_hash(conn: Conn, hashes: list[bytes]) -> dict[bytes, UUID]:
    rows = conn.execute(
        "SELECT id, source_hash FROM images WHERE source_hash = ANY (%s)", [hashes]
    ).fetchall()
    return {bytes(row["source_hash"]): row["id"] for row in rows}


def readable_descriptions(conn: Conn, ids: list[UUID]) -> set[UUID]:
    """Own or public saved descriptions (RLS)."""
    rows = conn.execute("SELECT id FROM saved_descriptions WHERE id = ANY (%s)", [ids]).fetchall()
    return {row["id"] for row in rows}

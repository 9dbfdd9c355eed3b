"""SQL of the vocabulary search: full text in both languages (accents ignored) or trigram similarity.

The query text is always a bound parameter: ``websearch_to_tsquery`` parses it as data (quotes, ``-``,
``or``), and trigram matching has no wildcards, so ``%`` and ``_`` are ordinary characters. Each branch
of the match uses its own index (GIN on the two tsvectors and the two unaccented trigram columns of
0001); the list visibility of row-level security is a plain join the planner can see (correction 24).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row

from describe_it.vocabulary.repository import ITEM_COLUMNS, ItemRow, Window

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]

# pg_trgm's `%` operator: similarity >= pg_trgm.similarity_threshold, whose default is the spec's 0.3.
SIMILARITY_THRESHOLD = 0.3

SCOPES = {
    "mine": "l.owner_id = %(me)s",
    "public": "l.is_public",
    "all": "TRUE",  # own + shared + public: exactly what row-level security lets the caller read
}


@dataclass
class HitRow(ItemRow):
    score: float = 0.0
    matched_on: str = "fuzzy"


@dataclass
class SearchFilter:
    scope: str
    difficulty: str | None = None
    category: str | None = None
    part_of_speech: str | None = None
    list_id: UUID | None = None


def search(conn: Conn, me: UUID | None, q: str, filters: SearchFilter, window: Window) -> list[HitRow]:
    """Ranked by ts_rank (both languages) + similarity, then id; keyset after (score, id)."""
    params: dict[str, Any] = {"me": me, "q": q, "limit": window.limit + 1, "offset": window.offset}
    where = [SCOPES[filters.scope]]
    if filters.difficulty is not None:
        params["difficulty"] = filters.difficulty
        where.append("i.difficulty_level = %(difficulty)s::difficulty_level")
    if filters.category is not None:
        params["category"] = filters.category
        where.append("lower(i.category) = lower(%(category)s)")
    if filters.part_of_speech is not None:
        params["pos"] = filters.part_of_speech
        where.append("i.part_of_speech = %(pos)s::part_of_speech")
    if filters.list_id is not None:
        params["list_id"] = filters.list_id
        where.append("i.vocabulary_list_id = %(list_id)s")
    after = ""
    if window.after is not None:
        params["after_score"], params["after_id"] = float(window.after[0]), window.after[1]
        after = "WHERE h.score < %(after_score)s OR (h.score = %(after_score)s AND h.id > %(after_id)s::uuid)"
    es = "to_tsvector('spanish_unaccent', i.spanish_text)"
    en = "to_tsvector('english_unaccent', i.english_translation)"
    es_trgm = "public.immutable_unaccent(lower(i.spanish_text))"
    en_trgm = "public.immutable_unaccent(lower(i.english_translation))"
    q_es = "websearch_to_tsquery('spanish_unaccent', %(q)s)"
    q_en = "websearch_to_tsquery('english_unaccent', %(q)s)"
    q_trgm = "public.immutable_unaccent(lower(%(q)s))"
    cur = conn.cursor(row_factory=class_row(HitRow))
    return cur.execute(
        f"""SELECT * FROM (
              SELECT {ITEM_COLUMNS}, l.name AS list_name,
                     (ts_rank({es}, {q_es}) + ts_rank({en}, {q_en})
                      + greatest(similarity({es_trgm}, {q_trgm}), similarity({en_trgm}, {q_trgm})))::float8 AS score,
                     CASE WHEN {es} @@ {q_es} THEN 'spanish' WHEN {en} @@ {q_en} THEN 'english' ELSE 'fuzzy' END
                       AS matched_on,
                     (i.id)::text AS sort_key
                FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id
               WHERE ({es} @@ {q_es} OR {en} @@ {q_en} OR {es_trgm} %% {q_trgm} OR {en_trgm} %% {q_trgm})
                 AND {" AND ".join(where)}
            ) h {after}
            ORDER BY h.score DESC, h.id ASC LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()


def set_similarity_threshold(conn: Conn) -> None:
    """Pin the threshold for this transaction, whatever the server's default."""
    conn.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)])

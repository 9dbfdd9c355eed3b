"""SQL of the vocabulary search: full text in both languages (accents ignored) or trigram similarity.

The query text is always a bound parameter: ``websearch_to_tsquery`` parses it as data (quotes, ``-``,
``or``), and trigram matching has no wildcards, so ``%`` and ``_`` are ordinary characters. Each branch
of the match uses its own index (GIN on the two tsvectors and the two unaccented trigram columns of
0001). Scopes: ``mine`` (own lists), ``public``, ``all`` (own + shared + public).
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
    """Ranked by ts_rank (both languages) + similarity, then id; keyset after (score, id).

    The match runs in ``search_vocabulary()`` (0004): as the owner, with the policies' visibility
    written out, because under row-level security @@ and % could not use their indexes. The page it
    returns is read back here through row-level security.
    """
    after = window.after or [None, None]
    params: dict[str, Any] = {
        "me": me, "q": q, "scope": filters.scope, "difficulty": filters.difficulty, "category": filters.category,
        "pos": filters.part_of_speech, "list": filters.list_id, "after_score": after[0], "after_id": after[1],
        "limit": window.limit + 1, "offset": window.offset,
    }  # fmt: skip
    cur = conn.cursor(row_factory=class_row(HitRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, l.name AS list_name, s.score, s.matched_on
              FROM search_vocabulary(%(q)s, %(scope)s, %(difficulty)s::difficulty_level, %(category)s,
                                     %(pos)s::part_of_speech, %(list)s::uuid, %(after_score)s::float8,
                                     %(after_id)s::uuid, %(limit)s, %(offset)s) s
              JOIN vocabulary_items i ON i.id = s.id
              JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id
             ORDER BY s.score DESC, s.id""",
        params,
    ).fetchall()


def set_similarity_threshold(conn: Conn) -> None:
    """Pin the threshold for this transaction, whatever the server's default."""
    conn.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)])

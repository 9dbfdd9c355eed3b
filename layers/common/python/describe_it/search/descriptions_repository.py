"""SQL of the search of saved descriptions: full text in Spanish and English, accents ignored.

The query text is always a bound parameter, parsed by ``websearch_to_tsquery`` as data (quotes, ``-``,
``or`` are its syntax, never SQL); there are no wildcards, so ``%`` and ``_`` are ordinary characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg.rows import class_row

from describe_it.db.keyset import Window
from describe_it.descriptions.repository import COLUMNS, SavedRow

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]

# ts_headline marks every matching word of the matched text between these (private-use characters,
# stripped from the snippet); the snippet is then cut around the first mark.
MARK_START, MARK_END = "\ue000", "\ue001"
_HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"


@dataclass
class DescriptionHitRow(SavedRow):
    score: float = 0.0
    matched_on: str = "spanish"
    marked: str = ""


@dataclass
class DescriptionSearchFilter:
    scope: str  # mine | public
    style: str | None = None
    favorite: bool | None = None


def search(conn: Conn, q: str, filters: DescriptionSearchFilter, window: Window) -> list[DescriptionHitRow]:
    """Ranked by ts_rank in both languages, then id; keyset after (score, id).

    The match runs in ``search_descriptions()`` (0007) as the owner, with the read policy written out,
    because under row-level security ``@@`` could not use the GIN indexes. Its page of ids is read
    back here through row-level security, with the matched text marked for the snippet.
    """
    after = window.after or [None, None]
    params: dict[str, Any] = {
        "q": q, "scope": filters.scope, "style": filters.style, "favorite": filters.favorite,
        "after_score": after[0], "after_id": after[1], "limit": window.limit + 1, "offset": window.offset,
        "headline": _HEADLINE,
    }  # fmt: skip
    cur = conn.cursor(row_factory=class_row(DescriptionHitRow))
    return cur.execute(
        f"""SELECT {COLUMNS}, s.score, s.matched_on,
                   CASE s.matched_on
                     WHEN 'spanish' THEN ts_headline('spanish_unaccent', d.spanish_description,
                                                     websearch_to_tsquery('spanish_unaccent', %(q)s), %(headline)s)
                     ELSE ts_headline('english_unaccent', d.english_description,
                                      websearch_to_tsquery('english_unaccent', %(q)s), %(headline)s)
                   END AS marked
              FROM search_descriptions(%(q)s, %(scope)s, %(style)s::description_style, %(favorite)s::boolean,
                                       %(after_score)s::float8, %(after_id)s::uuid, %(limit)s, %(offset)s) s
              JOIN saved_descriptions d ON d.id = s.id
              JOIN images i ON i.id = d.image_id
             ORDER BY s.score DESC, s.id""",
        params,
    ).fetchall()

"""SQL of recorded answers (``qa_responses``, role ``describeit_app``: own rows only) and the session
counters they move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row

from describe_it.db.keyset import SortKey, Window, keyset

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]


@dataclass
class AnswerRow:
    id: UUID
    question_id: UUID | None
    question: str
    correct_answer: str
    user_answer: str | None
    options: list[str] | None
    selected_index: int | None
    correct_index: int | None
    is_correct: bool
    similarity_score: float | None
    difficulty: str
    category: str | None
    language: str
    response_time_ms: int | None
    hint_used: bool
    attempts: int
    session_id: UUID | None
    image_id: UUID | None
    description_id: UUID | None
    answered_at: datetime
    sort_key: str | None = None


COLUMNS = """a.id, a.question_id, a.question, a.correct_answer, a.user_answer, a.options,
    a.selected_index::int AS selected_index, a.correct_index::int AS correct_index, a.is_correct,
    a.similarity_score::float8 AS similarity_score, a.difficulty::text AS difficulty, a.category,
    a.language::text AS language, a.response_time_ms, a.hint_used, a.attempts_count::int AS attempts,
    a.session_id, a.image_id, a.description_id, a.answered_at"""
INSERT_COLUMNS = (
    "question_id", "question", "correct_answer", "user_answer", "options", "selected_index", "correct_index",
    "is_correct", "similarity_score", "difficulty", "category", "language", "response_time_ms", "hint_used",
    "attempts_count", "session_id", "image_id", "description_id", "answered_at",
)  # fmt: skip
_CASTS = {"difficulty": "::qa_difficulty", "language": "::language_preference"}
NEWEST_FIRST = SortKey("a.answered_at", "::timestamptz", descending=True)


@dataclass
class AnswerFilter:
    session_id: UUID | None = None
    image_id: UUID | None = None
    description_id: UUID | None = None
    difficulty: str | None = None
    category: str | None = None
    is_correct: bool | None = None
    answered_from: datetime | None = None
    answered_before: datetime | None = None  # exclusive

    def sql(self, params: dict[str, Any]) -> list[str]:
        where = ["a.user_id = %(me)s"]
        for column, value, cast in (
            ("session_id", self.session_id, ""),
            ("image_id", self.image_id, ""),
            ("description_id", self.description_id, ""),
            ("difficulty", self.difficulty, "::qa_difficulty"),
            ("category", self.category, ""),
            ("is_correct", self.is_correct, ""),
        ):
            if value is not None:
                params[column] = value
                where.append(f"a.{column} = %({column})s{cast}")
        if self.answered_from is not None:
            params["from"] = self.answered_from
            where.append("a.answered_at >= %(from)s")
        if self.answered_before is not None:
            params["before"] = self.answered_before
            where.append("a.answered_at < %(before)s")
        return where


def insert(conn: Conn, me: UUID, values: dict[str, Any]) -> AnswerRow:
    placeholders = ", ".join(f"%({c})s{_CASTS.get(c, '')}" for c in INSERT_COLUMNS)
    cur = conn.cursor(row_factory=class_row(AnswerRow))
    row = cur.execute(
        f"""INSERT INTO qa_responses AS a (user_id, {", ".join(INSERT_COLUMNS)})
            VALUES (%(me)s, {placeholders}) RETURNING {COLUMNS}""",
        {"me": me, **values},
    ).fetchone()
    assert row is not None
    return row


def page(conn: Conn, me: UUID, filters: AnswerFilter, window: Window) -> list[AnswerRow]:
    params: dict[str, Any] = {"me": me}
    where = filters.sql(params)
    extra, order = keyset(NEWEST_FIRST, window, "a.id", params)
    cur = conn.cursor(row_factory=class_row(AnswerRow))
    return cur.execute(
        f"""SELECT {COLUMNS}, a.answered_at::text AS sort_key FROM qa_responses a
             WHERE {" AND ".join(where)}{extra}{order}""",
        params,
    ).fetchall()


def description_readable(conn: Conn, description_id: UUID) -> bool:
    """Own or public (row-level security)."""
    found = conn.execute("SELECT FROM saved_descriptions WHERE id = %s", [description_id]).fetchone()
    return found is not None


def image_exists(conn: Conn, image_id: UUID) -> bool:
    return conn.execute("SELECT FROM images WHERE id = %s", [image_id]).fetchone() is not None

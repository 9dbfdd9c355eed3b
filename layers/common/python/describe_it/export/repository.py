"""SQL of exports (role ``describeit_app``): the ``export_history`` rows and the rows an export writes.

History: every status change is one conditional ``UPDATE`` (``claim``, ``complete``, ``fail``,
``release``), so two workers given the same export cannot both run or both finish it; ``settle``
closes what can no longer finish (a lease that ran out, a start that never came, a file past its
seven days).

Content: each section is read with a server-side cursor (a psycopg named cursor, ``FETCH`` of
``BATCH`` rows at a time) in the caller's transaction, under their row-level security, and yielded
batch by batch to the file writers: the service never holds more than one batch of a section.
The queries still name the owner so the planner uses the user indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from psycopg.rows import class_row, kwargs_row
from psycopg.types.json import Jsonb

from describe_it.export.api import Format, Status
from describe_it.export.models import (
    ContentType,
    DescriptionRow,
    ItemProgress,
    ProgressRow,
    QaRow,
    VocabularyRow,
)
from describe_it.vocabulary.repository import ITEM_COLUMNS, ItemFilter

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow, RowFactory

    Conn = Connection[DictRow]

BATCH = 500
T = TypeVar("T")


# --- history -----------------------------------------------------------------------------------------


@dataclass
class ExportRow:
    id: UUID
    user_id: UUID
    format: Format
    content_type: ContentType
    status: Status
    filters: dict[str, Any]
    options: dict[str, Any]
    records_count: int | None
    file_size_bytes: int | None
    filename: str | None
    storage_key: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    created_at: datetime


_COLUMNS = """id, user_id, format::text AS format, content_type::text AS content_type, status::text AS status,
    filters, options, records_count, file_size_bytes, filename, storage_key, error_message, started_at,
    completed_at, expires_at, created_at"""


def insert(
    conn: Conn,
    *,
    export_id: UUID,
    user_id: UUID,
    format: str,
    content_type: str,
    filters: dict[str, Any],
    options: dict[str, Any],
    filename: str,
    started_at: datetime | None,
    now: datetime,
) -> ExportRow:
    """A new export: ``processing`` from ``started_at`` when the request runs it itself, else ``pending``."""
    cur = conn.cursor(row_factory=class_row(ExportRow))
    row = cur.execute(
        f"""INSERT INTO export_history (id, user_id, format, content_type, status, filters, options, filename,
                                        started_at, created_at, updated_at)
            VALUES (%(id)s, %(user)s, %(format)s::export_format, %(content)s::export_content,
                    %(status)s::export_status, %(filters)s, %(options)s, %(filename)s, %(started)s, %(now)s, %(now)s)
            RETURNING {_COLUMNS}""",
        {
            "id": export_id,
            "user": user_id,
            "format": format,
            "content": content_type,
            "status": "processing" if started_at else "pending",
            "filters": Jsonb(filters),
            "options": Jsonb(options),
            "filename": filename,
            "started": started_at,
            "now": now,
        },
    ).fetchone()
    assert row is not None
    return row


def get(conn: Conn, export_id: UUID) -> ExportRow | None:
    """The export if it is the caller's (row-level security: own rows only)."""
    cur = conn.cursor(row_factory=class_row(ExportRow))
    return cur.execute(f"SELECT {_COLUMNS} FROM export_history WHERE id = %s", [export_id]).fetchone()


def _history_filter(user_id: UUID, status: str | None, format: str | None) -> tuple[str, dict[str, Any]]:
    where = ["user_id = %(user)s"]
    params: dict[str, Any] = {"user": user_id}
    if status is not None:
        where.append("status = %(status)s::export_status")
        params["status"] = status
    if format is not None:
        where.append("format = %(format)s::export_format")
        params["format"] = format
    return " AND ".join(where), params


def count(conn: Conn, user_id: UUID, *, status: str | None, format: str | None) -> int:
    where, params = _history_filter(user_id, status, format)
    row = conn.execute(f"SELECT count(*) AS n FROM export_history WHERE {where}", params).fetchone()
    assert row is not None
    return int(row["n"])


def page(
    conn: Conn,
    user_id: UUID,
    *,
    status: str | None,
    format: str | None,
    limit: int,
    offset: int,
    after: tuple[datetime, UUID] | None,
) -> list[ExportRow]:
    """Newest first, ties by id; ``limit`` + 1 rows, to learn ``hasMore``."""
    where, params = _history_filter(user_id, status, format)
    if after is not None:
        where += " AND (created_at, id) < (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    params["limit"], params["offset"] = limit + 1, offset
    cur = conn.cursor(row_factory=class_row(ExportRow))
    return cur.execute(
        f"""SELECT {_COLUMNS} FROM export_history WHERE {where}
             ORDER BY created_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()


def claim(
    conn: Conn, export_id: UUID, now: datetime, *, lease: timedelta, start_by: timedelta
) -> ExportRow | None:
    """Take the export for a run: a pending one not older than ``start_by``, or a processing one whose
    run's lease has passed (that run is over: it cannot outlive its function's timeout)."""
    cur = conn.cursor(row_factory=class_row(ExportRow))
    return cur.execute(
        f"""UPDATE export_history SET status = 'processing', started_at = %(now)s, error_message = NULL
             WHERE id = %(id)s
               AND ((status = 'pending' AND created_at > %(now)s - %(start_by)s)
                    OR (status = 'processing' AND started_at <= %(now)s - %(lease)s))
            RETURNING {_COLUMNS}""",
        {"id": export_id, "now": now, "lease": lease, "start_by": start_by},
    ).fetchone()


def complete(
    conn: Conn,
    export_id: UUID,
    started_at: datetime,
    *,
    records: int,
    size: int,
    storage_key: str,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """processing → completed, only for the run that holds the claim (``started_at`` fences a run whose
    lease was taken over); False when it no longer does."""
    done = conn.execute(
        """UPDATE export_history
              SET status = 'completed', records_count = %(records)s, file_size_bytes = %(size)s,
                  storage_key = %(key)s, completed_at = %(now)s, expires_at = %(expires)s,
                  processing_time_ms = greatest(0, floor(extract(epoch FROM %(now)s - started_at) * 1000))::int
            WHERE id = %(id)s AND status = 'processing' AND started_at = %(started)s""",
        {
            "id": export_id,
            "started": started_at,
            "records": records,
            "size": size,
            "key": storage_key,
            "now": now,
            "expires": expires_at,
        },
    )
    return done.rowcount == 1


def fail(conn: Conn, export_id: UUID, started_at: datetime | None, message: str, now: datetime) -> bool:
    """processing → failed, for the run that holds the claim; ``started_at`` None: pending → failed
    (the worker could not be started)."""
    claim_held = (
        "status = 'pending'" if started_at is None else "status = 'processing' AND started_at = %(started)s"
    )
    done = conn.execute(
        f"""UPDATE export_history SET status = 'failed', error_message = left(%(message)s, 1000),
                   completed_at = %(now)s
             WHERE id = %(id)s AND {claim_held}""",
        {"id": export_id, "started": started_at, "message": message, "now": now},
    )
    return done.rowcount == 1


def release(conn: Conn, export_id: UUID, started_at: datetime) -> bool:
    """processing → pending: the run met a passing outage and its event will be delivered again."""
    done = conn.execute(
        """UPDATE export_history SET status = 'pending', started_at = NULL
            WHERE id = %s AND status = 'processing' AND started_at = %s""",
        [export_id, started_at],
    )
    return done.rowcount == 1


def settle(conn: Conn, user_id: UUID | None, now: datetime, *, lease: timedelta, start_by: timedelta) -> int:
    """Close what can no longer finish: completed past ``expires_at`` → expired; pending not started
    within ``start_by`` and processing past its lease → failed. ``user_id`` None: every user's (the
    maintenance job, as the admin role)."""
    done = conn.execute(
        """UPDATE export_history SET
                  status = CASE WHEN status = 'completed' THEN 'expired'::export_status ELSE 'failed'::export_status END,
                  error_message = CASE status WHEN 'completed' THEN error_message
                                              WHEN 'pending' THEN 'The export was not started in time; please try again'
                                              ELSE 'The export did not finish; please try again' END,
                  completed_at = CASE WHEN status = 'completed' THEN completed_at ELSE %(now)s END
            WHERE (%(user)s::uuid IS NULL OR user_id = %(user)s)
              AND ((status = 'completed' AND expires_at <= %(now)s)
                   OR (status = 'pending' AND created_at <= %(now)s - %(start_by)s)
                   OR (status = 'processing' AND started_at <= %(now)s - %(lease)s))""",
        {"user": user_id, "now": now, "lease": lease, "start_by": start_by},
    )
    return done.rowcount


# --- content -----------------------------------------------------------------------------------------


def long_read(conn: Conn, *, idle_s: int, statement_s: int) -> None:
    """This transaction is an export's read: between two fetches it waits while the writer lays out a
    batch, and its first fetch sorts the whole section. The app role's limits are meant for requests
    (db/roles.sql: 10 s idle in a transaction, 5 s a statement); these hold until it ends."""
    conn.execute(
        "SELECT set_config('idle_in_transaction_session_timeout', %s, true), set_config('statement_timeout', %s, true)",
        [f"{idle_s}s", f"{statement_s}s"],
    )


@dataclass(frozen=True)
class Selection:
    """What the filters of one export mean in SQL (``api.ExportFilters``, resolved by the service)."""

    items: ItemFilter  # vocabulary and progress; vocabulary without a list: all of mine
    start: datetime | None = None
    end: datetime | None = None
    qa_difficulty: str | None = None
    qa_category: str | None = None
    favorite_only: bool = False
    description_tags: list[str] | None = None


def _window(column: str, selection: Selection, params: dict[str, Any], where: list[str]) -> None:
    if selection.start is not None:
        params["start"] = selection.start
        where.append(f"{column} >= %(start)s")
    if selection.end is not None:
        params["end"] = selection.end
        where.append(f"{column} < %(end)s")


@dataclass(frozen=True)
class SectionQuery:
    """One section's rows: ``SELECT {select} {source} ORDER BY {order}``; counted without the order."""

    select: str
    source: str  # FROM … WHERE …
    order: str
    params: dict[str, Any]

    def rows_sql(self) -> str:
        return f"SELECT {self.select} {self.source} ORDER BY {self.order}"

    def count_sql(self) -> str:
        return f"SELECT count(*) AS n FROM (SELECT 1 {self.source} LIMIT %(cap)s) counted"


def _vocabulary_query(me: UUID, selection: Selection, with_progress: bool = False) -> SectionQuery:
    params: dict[str, Any] = {"me": me}
    where = selection.items.sql(params)
    if selection.items.list_id is None:
        where.append("l.owner_id = %(me)s")  # all of my lists (a named list may be shared or public)
    _window("i.created_at", selection, params, where)
    select = f"{ITEM_COLUMNS}, l.name AS list_name"
    join = ""
    if with_progress:
        select += """, p.state::text AS p_state, p.learning_phase::text AS p_phase, p.mastery::float8 AS p_mastery,
            p.due AS p_due, p.last_review AS p_last_review, p.reps AS p_reps, p.lapses AS p_lapses"""
        join = "LEFT JOIN learning_progress p ON p.vocabulary_item_id = i.id AND p.user_id = %(me)s"
    return SectionQuery(
        select,
        f"""FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id {join}
            WHERE {" AND ".join(where)}""",
        'spanish_sort_key(l.name) COLLATE "C", l.id, i.created_at, i.id',
        params,
    )


def _progress_query(me: UUID, selection: Selection) -> SectionQuery:
    params: dict[str, Any] = {"me": me}
    where = ["p.user_id = %(me)s", *selection.items.sql(params)]  # my progress on any readable item
    _window("p.last_review", selection, params, where)
    return SectionQuery(
        """p.id, p.vocabulary_item_id, i.vocabulary_list_id AS list_id, i.spanish_text, i.english_translation,
           p.state::text AS state, p.learning_phase::text AS learning_phase, p.mastery::float8 AS mastery, p.due,
           p.last_review, p.reps, p.lapses, p.correct_count, p.incorrect_count, p.streak_count""",
        f"""FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
            WHERE {" AND ".join(where)}""",
        "i.vocabulary_list_id, i.created_at, i.id",
        params,
    )


def _descriptions_query(me: UUID, selection: Selection) -> SectionQuery:
    params: dict[str, Any] = {"me": me}
    where = ["d.user_id = %(me)s"]  # row-level security also shows public ones: mine only
    if selection.favorite_only:
        where.append("d.is_favorite")
    if selection.description_tags:
        params["tags"] = selection.description_tags
        where.append("d.tags @> %(tags)s::text[]")
    _window("d.created_at", selection, params, where)
    return SectionQuery(
        """d.id, img.url AS image_url, d.style::text AS style, d.english_description, d.spanish_description,
           d.is_favorite, d.user_rating AS rating, d.personal_notes AS notes, d.tags, d.is_public, d.created_at""",
        f"""FROM saved_descriptions d LEFT JOIN images img ON img.id = d.image_id
            WHERE {" AND ".join(where)}""",
        "d.created_at, d.id",
        params,
    )


def _qa_query(me: UUID, selection: Selection) -> SectionQuery:
    params: dict[str, Any] = {"me": me}
    where = ["q.user_id = %(me)s"]
    if selection.qa_difficulty is not None:
        params["difficulty"] = selection.qa_difficulty
        where.append("q.difficulty = %(difficulty)s::qa_difficulty")
    if selection.qa_category is not None:
        params["category"] = selection.qa_category
        where.append("lower(q.category) = lower(%(category)s)")
    _window("q.answered_at", selection, params, where)
    return SectionQuery(
        """q.id, q.question, q.correct_answer, q.user_answer, q.is_correct,
           q.similarity_score::float8 AS similarity_score, q.difficulty::text AS difficulty, q.category,
           q.language::text AS language, q.response_time_ms, q.hint_used, q.attempts_count AS attempts,
           q.session_id, q.description_id, q.answered_at""",
        f"""FROM qa_responses q WHERE {" AND ".join(where)}""",
        "q.answered_at, q.id",
        params,
    )


def _vocabulary_row(**column: Any) -> VocabularyRow:
    state = column.get("p_state")
    progress = (
        ItemProgress(
            state=state,
            learning_phase=column["p_phase"],
            mastery=column["p_mastery"],
            due=column["p_due"],
            last_review=column["p_last_review"],
            reps=column["p_reps"],
            lapses=column["p_lapses"],
        )
        if state is not None
        else None
    )
    return VocabularyRow(
        id=column["id"],
        list_id=column["list_id"],
        list_name=column["list_name"],
        spanish_text=column["spanish_text"],
        english_translation=column["english_translation"],
        part_of_speech=column["part_of_speech"],
        difficulty=column["difficulty"],
        gender=column["gender"],
        article=column["article"],
        pronunciation_ipa=column["pronunciation_ipa"],
        context_sentence_spanish=column["context_sentence_spanish"],
        context_sentence_english=column["context_sentence_english"],
        tags=column["tags"],
        notes=column["notes"],
        created_at=column["created_at"],
        updated_at=column["updated_at"],
        progress=progress,
    )


Check = Callable[[], None]


def _stream(
    conn: Conn, name: str, query: SectionQuery, factory: RowFactory[T], check: Check
) -> Iterator[Sequence[T]]:
    """The rows of ``query`` in batches of ``BATCH``, from a server-side cursor. ``check`` runs before
    each fetch (the worker's deadline)."""
    with conn.cursor(name=name, row_factory=factory) as cur:
        cur.itersize = BATCH
        cur.execute(query.rows_sql(), query.params)
        while True:
            check()
            rows = cur.fetchmany(BATCH)
            if not rows:
                return
            yield rows


def vocabulary(
    conn: Conn, me: UUID, selection: Selection, *, with_progress: bool, check: Check
) -> Iterator[Sequence[VocabularyRow]]:
    query = _vocabulary_query(me, selection, with_progress)
    return _stream(conn, "export_vocabulary", query, kwargs_row(_vocabulary_row), check)


def descriptions(
    conn: Conn, me: UUID, selection: Selection, *, check: Check
) -> Iterator[Sequence[DescriptionRow]]:
    query = _descriptions_query(me, selection)
    return _stream(conn, "export_descriptions", query, class_row(DescriptionRow), check)


def qa(conn: Conn, me: UUID, selection: Selection, *, check: Check) -> Iterator[Sequence[QaRow]]:
    return _stream(conn, "export_qa", _qa_query(me, selection), class_row(QaRow), check)


def progress(conn: Conn, me: UUID, selection: Selection, *, check: Check) -> Iterator[Sequence[ProgressRow]]:
    return _stream(conn, "export_progress", _progress_query(me, selection), class_row(ProgressRow), check)


_QUERIES: dict[str, Callable[[UUID, Selection], SectionQuery]] = {
    "vocabulary": _vocabulary_query,
    "descriptions": _descriptions_query,
    "qa": _qa_query,
    "progress": _progress_query,
}


def count_up_to(conn: Conn, me: UUID, section: str, selection: Selection, cap: int) -> int:
    """How many rows ``section`` would write, counted up to ``cap`` (enough to choose inline or worker)."""
    query = _QUERIES[section](me, selection)
    row = conn.execute(query.count_sql(), {**query.params, "cap": cap}).fetchone()
    assert row is not None
    return int(row["n"])

"""Transactions that carry the row-level-security user (spec: ``app.user_id``, transaction-local), and
the one place where database errors become domain errors.

One request uses one connection: a ``transaction()`` opened inside another one (same role, same user)
joins it as a savepoint on the same connection instead of taking a second pooled one (with a pool of
1–2, nesting would otherwise starve the next request). Nesting with another role or user is refused:
it would need a second connection, or change whose rows RLS shows in the middle of a transaction.

Every psycopg error that leaves a transaction is translated here, so ``http/errors.py`` knows nothing
of psycopg and every service gets the right status without a try/except:

    unique / exclusion violation   → 409 ``DuplicateValue``
    foreign-key violation          → 404 ``ReferenceNotFound``; 409 ``StillReferenced`` when deleting a
                                     row that others still point to
    check / not-null, bad value    → 400 ``ConstraintFailed``
    RLS refusal, missing privilege → 404 (a row the caller may not touch does not exist for them)
    deadlock, serialization        → 503 ``TransactionConflict`` (``run_in_transaction`` retries once)
    timeout, unreachable, pool     → 503 with Retry-After
    anything else                  → 500, logged by SQLSTATE and class (never the message: it holds values)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from describe_it.db.pool import connection
from describe_it.errors import (
    ApiError,
    ConstraintFailed,
    DependencyDown,
    DuplicateValue,
    NotFound,
    ReferenceNotFound,
    StillReferenced,
    TransactionConflict,
)
from describe_it.settings import DbRole

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

T = TypeVar("T")
_RETRY_PAUSE_S = (0.01, 0.05)


class NestedTransactionError(RuntimeError):
    """A programming error: a nested transaction asked for another role or RLS user."""


@dataclass(frozen=True)
class _Open:
    role: DbRole
    user_id: UUID | None
    conn: Connection[DictRow]


_current: ContextVar[_Open | None] = ContextVar("describe_it_transaction", default=None)


@contextmanager
def transaction(role: DbRole, user_id: UUID | None = None) -> Iterator[Connection[DictRow]]:
    """One transaction as ``role``; its first statement sets ``app.user_id`` for the RLS policies.

    ``set_config(..., true)`` is transaction-local, so nothing leaks to the next request that gets
    this pooled (or proxied) connection. Inside an open transaction this is a savepoint of it.
    """
    outer = _current.get()
    if outer is not None and (outer.role, outer.user_id) != (role, user_id):
        raise NestedTransactionError(
            f"a transaction as {outer.role!r} is open in this context; a nested one must use the same "
            "role and user (one request, one connection)"
        )
    import psycopg

    try:
        if outer is not None:
            with outer.conn.transaction():  # SAVEPOINT … RELEASE, or ROLLBACK TO on an exception
                yield outer.conn
            return
        with connection(role) as conn:
            from psycopg.rows import dict_row

            conn.row_factory = dict_row
            with conn.transaction():
                conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id) if user_id else ""])
                token = _current.set(_Open(role, user_id, conn))
                try:
                    yield conn
                finally:
                    _current.reset(token)
    except psycopg.Error as exc:
        raise database_error(exc) from exc


def run_in_transaction(role: DbRole, user_id: UUID | None, work: Callable[[Connection[DictRow]], T]) -> T:
    """``work(conn)`` in one transaction, run a second time if the first hit a deadlock or a
    serialization failure (both roll the whole transaction back, so running it again is safe).

    ``work`` must touch nothing outside the database that a second run would repeat. Inside an open
    transaction it joins it (a savepoint) and the outermost one is the one that retries.
    """
    if _current.get() is not None:
        with transaction(role, user_id) as conn:
            return work(conn)
    try:
        with transaction(role, user_id) as conn:
            return work(conn)
    except TransactionConflict:
        from describe_it.observability import logger

        logger.info("transaction conflict; running it once more", extra={"role": role})
        # A short random pause, so the two sides of a deadlock do not meet again at once.
        time.sleep(random.uniform(*_RETRY_PAUSE_S))  # noqa: S311  # jitter, not cryptography
    with transaction(role, user_id) as conn:
        return work(conn)


def database_error(exc: Exception) -> ApiError:
    """The domain error for a psycopg error; logged by SQLSTATE and class only."""
    from psycopg import errors as e
    from psycopg_pool import PoolTimeout

    from describe_it.observability import error_fields, logger

    diag = getattr(exc, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    fields = {**error_fields(exc), "constraint": constraint, "table": getattr(diag, "table_name", None)}
    error: ApiError
    if isinstance(exc, e.UniqueViolation | e.ExclusionViolation):
        error = DuplicateValue(constraint=constraint)
    elif isinstance(exc, e.RestrictViolation) or (
        isinstance(exc, e.ForeignKeyViolation) and _referenced_side(diag)
    ):
        error = StillReferenced(constraint=constraint)
    elif isinstance(exc, e.ForeignKeyViolation):
        error = ReferenceNotFound(constraint=constraint)
    elif isinstance(exc, e.CheckViolation | e.NotNullViolation | e.DataError):
        error = ConstraintFailed(constraint=constraint)
    elif isinstance(exc, e.InsufficientPrivilege):
        error = NotFound()
    elif isinstance(exc, e.DeadlockDetected | e.SerializationFailure):
        error = TransactionConflict()
    elif isinstance(exc, e.QueryCanceled | e.LockNotAvailable):
        error = DependencyDown("The database took too long to answer", retry_after=2)
    elif isinstance(exc, PoolTimeout | e.OperationalError | e.InterfaceError):
        error = DependencyDown("Database unavailable", retry_after=5)
    else:
        logger.error("unexpected database error", extra=fields)
        return ApiError()
    if error.status >= 500:
        logger.warning("database error", extra={**fields, "status": error.status})
    else:
        logger.info("database error", extra={**fields, "status": error.status})
    return error


def _referenced_side(diag: object) -> bool:
    """A (NO ACTION) foreign key refused deleting or re-keying a row that others still point to, rather
    than a new row pointing nowhere. Only the server's message tells them apart (ON DELETE RESTRICT has
    its own SQLSTATE); unrecognised, it stays a 404."""
    message = getattr(diag, "message_primary", None) or ""
    return message.startswith("update or delete on table")

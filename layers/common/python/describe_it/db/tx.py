"""Transactions that carry the row-level-security user (spec: ``app.user_id``, transaction-local)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.db.pool import get_pool
from describe_it.errors import DependencyDown
from describe_it.settings import DbRole

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow


@contextmanager
def transaction(role: DbRole, user_id: UUID | None = None) -> Iterator[Connection[DictRow]]:
    """One transaction as ``role``; its first statement sets ``app.user_id`` for the RLS policies.

    ``set_config(..., true)`` is transaction-local, so nothing leaks to the next request that gets
    this pooled (or proxied) connection. Connection-level failures become 503 with Retry-After.
    """
    import psycopg
    from psycopg.rows import dict_row
    from psycopg_pool import PoolTimeout

    try:
        with get_pool(role).connection() as conn:
            conn.row_factory = dict_row  # type: ignore[assignment]
            with conn.transaction():
                conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id) if user_id else ""])
                yield conn  # type: ignore[misc]
    except (PoolTimeout, psycopg.OperationalError) as exc:
        if isinstance(exc, psycopg.errors.QueryCanceled):
            raise DependencyDown("The database took too long to answer", retry_after=2) from exc
        raise DependencyDown("Database unavailable", retry_after=5) from exc

"""Reset helpers for the integration fixtures."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

# Rows that the migrations themselves insert are kept; everything users create goes.
_KEEP = {"schema_migrations"}

# The public tables, each with the sequence of its identity column (or None).
_TABLES = """
SELECT c.relname, (SELECT pg_get_serial_sequence(format('%I', c.relname), a.attname)
                     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attidentity <> '' LIMIT 1)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""

_connections: dict[str, psycopg.Connection[Any]] = {}


def truncate_user_tables(admin_dsn: str) -> None:
    """Empty every user table, as TRUNCATE … RESTART IDENTITY would, in ~1 ms instead of ~130.

    Before each of thousands of tests: TRUNCATE of the 20-odd tables cost 120-150 ms (a new file per
    table and index, and the commit's flush), a third of the suite's time. Here one statement finds the
    tables that hold rows and only those are emptied with DELETE, foreign keys and triggers off for the
    transaction (``session_replication_role``: the admin is a superuser on the embedded cluster; other
    servers fall back to TRUNCATE). One connection is kept for the run and reopened if it was lost
    (tests stop and restart the database).
    """
    try:
        _empty(_connection(admin_dsn))
    except psycopg.OperationalError:
        lost = _connections.pop(admin_dsn, None)  # the server went away under it: once more, afresh
        if lost is not None:
            lost.close()
        _empty(_connection(admin_dsn))


def _connection(admin_dsn: str) -> psycopg.Connection[Any]:
    conn = _connections.get(admin_dsn)
    if conn is None or conn.closed or conn.broken:
        conn = _connections[admin_dsn] = psycopg.connect(admin_dsn, autocommit=True)
    return conn


def _empty(conn: psycopg.Connection[Any]) -> None:
    tables = [(name, seq) for name, seq in conn.execute(_TABLES).fetchall() if name not in _KEEP]
    if not tables:
        return
    probe = sql.SQL("SELECT {}").format(
        sql.SQL(", ").join(sql.SQL("EXISTS (SELECT FROM {})").format(sql.Identifier(t)) for t, _ in tables)
    )
    flags = conn.execute(probe).fetchone() or ()
    busy = [(name, seq) for (name, seq), full in zip(tables, flags, strict=True) if full]
    if not busy:
        return
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (superuser and superuser[0]):
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t, _ in tables)
            )
        )
        return
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        for name, seq in busy:
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(name)))
            if seq is not None:
                conn.execute("SELECT setval(%s, 1, false)", [seq])


def empty_state_table() -> None:
    from describe_it.aws import client, state_table_name

    dynamodb, table = client("dynamodb"), state_table_name()
    scan: dict[str, Any] = {"TableName": table, "ProjectionExpression": "pk"}
    while True:
        page = dynamodb.scan(**scan)
        keys = [item["pk"] for item in page.get("Items", [])]
        for i in range(0, len(keys), 25):  # BatchWriteItem takes at most 25 requests
            requests = [{"DeleteRequest": {"Key": {"pk": pk}}} for pk in keys[i : i + 25]]
            while requests:
                unprocessed = dynamodb.batch_write_item(RequestItems={table: requests})["UnprocessedItems"]
                requests = unprocessed.get(table, [])
        if "LastEvaluatedKey" not in page:
            return
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

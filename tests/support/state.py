"""Reset helpers for the integration fixtures."""

from __future__ import annotations

import psycopg
from psycopg import sql

# Rows that the migrations themselves insert are kept; everything users create goes.
_KEEP = {"schema_migrations"}


def truncate_user_tables(admin_dsn: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            if row[0] not in _KEEP
        ]
        if tables:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)
                )
            )


def empty_state_table() -> None:
    from describe_it.aws import state_table

    table = state_table()
    scan = table.scan(ProjectionExpression="pk")
    with table.batch_writer() as batch:
        while True:
            for item in scan.get("Items", []):
                batch.delete_item(Key={"pk": item["pk"]})
            if "LastEvaluatedKey" not in scan:
                break
            scan = table.scan(ProjectionExpression="pk", ExclusiveStartKey=scan["LastEvaluatedKey"])

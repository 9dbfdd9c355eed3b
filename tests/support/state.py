"""Reset helpers for the integration fixtures."""

from __future__ import annotations

from typing import Any

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

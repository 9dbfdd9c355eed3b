"""Before/after of issue 9's query fixes, on the bench data set, in one session (so machine load hits both).

    .venv/bin/python -m bench.vocabulary_plans > plans.md

Three changes: the items page cuts the page before the progress join (vocabulary/repository.py), and
migration 0008 adds covering indexes for the due-queue counts and matches the search once for the
public scope. "Before" runs inside a transaction that undoes 0008 (and is rolled back); the old items
query is the previous text. Each side: EXPLAIN (ANALYZE, BUFFERS) as ``describeit_app`` with the heavy
learner's ``app.user_id`` (as ``db/tx.py`` sets it), then RUNS executions of each side, interleaved,
timed from the client (planning included: the service runs without prepared statements).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import dataset
from describe_it.vocabulary.repository import ITEM_COLUMNS, PROGRESS_COLUMNS, PROGRESS_JOIN

RUNS = 30
MIGRATIONS = Path(__file__).resolve().parents[1] / "layers/common/python/describe_it/db/migrations"

OWN = "EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = i.vocabulary_list_id AND l.owner_id = %(me)s)"
PAGE_BEFORE = f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}, (i.created_at)::text AS sort_key
  FROM vocabulary_items i {PROGRESS_JOIN} WHERE {OWN} ORDER BY i.created_at ASC, i.id ASC LIMIT 51 OFFSET 0"""
PAGE_AFTER = f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}, i.sort_key
  FROM (SELECT i.*, (i.created_at)::text AS sort_key FROM vocabulary_items i WHERE {OWN}
         ORDER BY i.created_at ASC, i.id ASC LIMIT 51 OFFSET 0) i {PROGRESS_JOIN}
 ORDER BY i.created_at ASC, i.id ASC"""
DUE_COUNTS = """SELECT count(*)::int AS due_count, (count(*) FILTER (WHERE p.due < %(today)s))::int AS overdue_count
  FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
 WHERE p.user_id = %(me)s AND p.due <= %(now)s"""
SEARCH = """SELECT * FROM search_vocabulary(%(q)s, %(scope)s, NULL, NULL, NULL, NULL, NULL, NULL, 21, 0)"""


def undo_0008(conn: Any) -> None:
    """The schema as 0007 left it: 0006's due index, no covering item index, 0004's search."""
    source = (MIGRATIONS / "0004_vocabulary.sql").read_text()
    search = source[
        source.index("CREATE FUNCTION search_vocabulary(") : source.index(
            "REVOKE EXECUTE ON FUNCTION search_vocabulary"
        )
    ]
    conn.execute("SET LOCAL ROLE describeit_owner")
    conn.execute("DROP INDEX learning_progress_user_due_id_item_idx")
    conn.execute("DROP INDEX vocabulary_items_id_list_idx")
    conn.execute("CREATE INDEX learning_progress_user_due_id_idx ON learning_progress (user_id, due, id)")
    conn.execute(search.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    conn.execute("RESET ROLE")
    conn.execute("ANALYZE learning_progress")


def as_learner(conn: Any, me: Any) -> None:
    conn.execute("SET LOCAL ROLE describeit_app")
    conn.execute("SELECT set_config('app.user_id', %s, true)", [str(me)])
    conn.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.3', true)")


def explain(conn: Any, sql: str, params: dict[str, Any]) -> str:
    return "\n".join(row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall())


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    import psycopg

    running = dataset.start_stack()
    cases: list[tuple[str, str, str, dict[str, Any]]] = []
    try:
        with psycopg.connect(running.admin_dsn()) as conn:
            me = conn.execute("SELECT id FROM users WHERE email = %s", [dataset.HEAVY_LEARNER]).fetchone()[0]  # type: ignore[index]
            now = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
            base = {"me": me, "now": now, "today": now.replace(hour=0, minute=0, second=0, microsecond=0)}
            cases = [
                ("items page (own lists, 50, with progress)", PAGE_BEFORE, PAGE_AFTER, base),
                ("due-queue counts", DUE_COUNTS, DUE_COUNTS, base),
                ("search_vocabulary('perro', public)", SEARCH, SEARCH, {"q": "perro", "scope": "public"}),
                ("search_vocabulary('perro', mine)", SEARCH, SEARCH, {"q": "perro", "scope": "mine"}),
            ]
            out: dict[str, dict[str, Any]] = {name: {"before": [], "after": []} for name, *_ in cases}
            # Interleaved: one rolled-back "before" transaction and one "after" transaction per round.
            for round_ in range(RUNS + 1):
                for side in ("before", "after"):
                    with conn.transaction() as tx:
                        if side == "before":
                            undo_0008(conn)
                        as_learner(conn, me)
                        for name, before, after, params in cases:
                            sql = before if side == "before" else after
                            if round_ == 0:
                                out[name][f"{side}_plan"] = explain(conn, sql, params)
                            else:
                                out[name][side].append(
                                    timed(lambda sql=sql, params=params: conn.execute(sql, params).fetchall())
                                )
                        raise psycopg.Rollback(tx)
        print(
            f"# Before/after, {RUNS} interleaved runs each, load average {__import__('os').getloadavg()[0]:.2f}\n"
        )
        print("| query | before median ms | after median ms |\n| --- | ---: | ---: |")
        for name, *_ in cases:
            print(
                f"| {name} | {statistics.median(out[name]['before']):.2f} | {statistics.median(out[name]['after']):.2f} |"
            )
        for name, *_ in cases:
            for side in ("before", "after"):
                print(f"\n### {name}: {side}\n\n```\n{out[name][f'{side}_plan']}\n```")
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

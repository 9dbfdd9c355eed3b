"""Plans and warm timings of the three hot progress queries (stats, streak, analytics 90 days) for the heavy
learner of ``bench.progress_data``, as the app role under row-level security — before and after the
closed days are rolled up.

    python -m bench.progress_plans            # a throwaway database on the local PostgreSQL
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

CALLS = 50


def _params(me: Any, now: datetime, which: str) -> tuple[str, dict[str, Any]]:
    from describe_it.progress import calendar
    from describe_it.progress import repository as repo

    today = calendar.today(now, "America/New_York")
    params = repo.day_params(me, today.time_zone, today.day, None, True)
    end = today.start(today.day + calendar.DAY)
    if which == "stats":
        return repo.STATS, {
            **params,
            "now": now,
            "week": today.week,
            "day_start": today.start(),
            "day_end": end,
        }
    if which == "streak":
        return repo.STREAK, {**params, "history_days": 30}
    first = today.day - timedelta(days=89)
    return repo.ANALYTICS, {
        **params, "first": first, "period_first": first, "period_start": today.start(first), "period_end": end,
        "part_hours": [0, 5, 12, 18],
    }  # fmt: skip


def measure(app_dsn: str, me: Any, now: datetime, explain: bool) -> dict[str, float]:
    import psycopg

    medians = {}
    with psycopg.connect(app_dsn) as conn:
        conn.execute("SELECT set_config('app.user_id', %s, false)", [str(me)])
        for which in ("stats", "streak", "analytics"):
            sql, params = _params(me, now, which)
            for _ in range(5):
                conn.execute(sql, params).fetchall()
            times = []
            for _ in range(CALLS):
                started = time.perf_counter()
                conn.execute(sql, params).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            medians[which] = round(statistics.median(times), 2)
            if explain:
                print(f"--- {which}: EXPLAIN (ANALYZE, BUFFERS), summarised")
                for (line,) in conn.execute(
                    "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params
                ).fetchall():
                    if any(
                        k in line
                        for k in (
                            "Index Only Scan",
                            "Index Scan",
                            "Seq Scan",
                            "Execution",
                            "Planning Time",
                            "Buffers: shared hit",
                        )
                    ):
                        print(line[:160])
    return medians


def main() -> int:
    from bench.progress_data import generate
    from describe_it.progress.rollups import roll_up
    from infra.local import stack as local_stack

    stack = local_stack.start("describeit_bench_progress", fresh=True)
    try:
        me = generate(stack.admin_dsn())
        now = datetime.now(UTC)
        raw = measure(stack.role_dsn("app"), me, now, explain="--explain" in sys.argv)
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(stack.admin_dsn(), row_factory=dict_row) as conn:
            rows = roll_up(conn, me, now)
        rolled = measure(stack.role_dsn("app"), me, now, explain="--explain" in sys.argv)
        print(f"rolled up {rows} days; warm medians of {CALLS} calls (ms): raw {raw}, with rollups {rolled}")
    finally:
        local_stack.drop_database(stack.server, "describeit_bench_progress")
        stack.local_aws.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

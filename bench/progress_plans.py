"""Plans and warm timings of the three hot progress queries (stats, streak, analytics 90 days) for the heavy
learner of ``bench.dataset`` (``make bench-data``), as the app role under row-level security, with the
closed days rolled up as the maintenance cron leaves them (the generator rolls up the heavy learners).

    python -m bench.progress_plans [--explain]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

CALLS = 50


def _params(me: Any, now: datetime, which: str, zone: str) -> tuple[str, dict[str, Any]]:
    from describe_it.progress import calendar
    from describe_it.progress import repository as repo

    today = calendar.today(now, zone)
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


def measure(app_dsn: str, me: Any, now: datetime, explain: bool, zone: str) -> dict[str, float]:
    import psycopg

    medians = {}
    with psycopg.connect(app_dsn) as conn:
        conn.execute("SELECT set_config('app.user_id', %s, false)", [str(me)])
        for which in ("stats", "streak", "analytics"):
            sql, params = _params(me, now, which, zone)
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
    import psycopg

    from bench import dataset

    stack = dataset.start_stack()
    try:
        with psycopg.connect(stack.admin_dsn()) as conn:
            row = conn.execute(
                "SELECT id, time_zone FROM users WHERE email = %s", [dataset.HEAVY_LEARNER]
            ).fetchone()
            if row is None:
                raise SystemExit("no bench data: run `make bench-data` first")
            rollups = conn.execute(
                "SELECT count(*) FROM learning_analytics WHERE user_id = %s", [row[0]]
            ).fetchone()
        medians = measure(stack.role_dsn("app"), row[0], datetime.now(UTC), "--explain" in sys.argv, row[1])
        print(f"{rollups[0] if rollups else 0} rollup rows; warm medians of {CALLS} calls (ms): {medians}")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

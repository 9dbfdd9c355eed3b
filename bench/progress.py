"""Issue 11's figures: progress stats, streak, analytics (90 days) and a page of saved descriptions, warm,
through Mangum, for the heavy learner of bench.dataset (``make bench-progress``).

The same harness as ``bench.vocabulary`` (warm-up, BENCH_CALLS timed calls, the time inside DynamoDB
calls measured, rate-limit windows respected, then EXPLAIN (ANALYZE, BUFFERS) of every statement of one
more call inside its own transaction under row-level security). Writes bench/results_progress.json.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import dataset
from bench.vocabulary import AwsTimer, Budget, explain, measure, sign_in, write_results
from infra.local import stack as local_stack
from tests.support.lambda_invoke import http_event

OUT = Path(__file__).resolve().parents[1] / "bench" / "results_progress.json"


def main() -> int:
    running = dataset.start_stack()
    closed = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "UNSPLASH_BASE_URL": "http://127.0.0.1:9"}
    local_stack.export({**running.env, **closed})
    aws = AwsTimer()
    aws.install()
    budget = Budget()
    try:
        token = sign_in("198.51.100.8")
        auth = {"authorization": f"Bearer {token}"}

        def get(path: str, query: str = "") -> Callable[[int], dict[str, Any]]:
            return lambda i: http_event("GET", path, headers=auth, query=query)

        cases = [
            ("GET /api/progress/stats", "progress_stats", get("/api/progress/stats"), 20.0),
            ("GET /api/progress/streak", "progress_streak", get("/api/progress/streak"), 10.0),
            ("GET /api/progress/analytics?period=90d", "progress_analytics",
             get("/api/progress/analytics", "period=90d"), 30.0),
            ("GET /api/descriptions/saved (a page of 20)", "descriptions_saved", get("/api/descriptions/saved"), 10.0),
        ]  # fmt: skip
        load_before = os.getloadavg()
        rows, plans = [], {}
        for name, function, make_event, target in cases:
            rows.append(
                measure(
                    name, function, make_event, rate_class="read", target_ms=target, aws=aws, budget=budget
                )
            )
            budget.reserve("read", 1)
            plans[name] = explain(function, make_event(0))
        write_results(OUT, load_before, rows, plans)
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

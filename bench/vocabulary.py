"""Issue 9's figures: the vocabulary routes, warm, through Mangum, for the heavy learner of bench.dataset.

    make bench-data          # once: the data set (bench/dataset.py), kept under BENCH_DATA_DIR
    make bench-vocab         # this: writes bench/results_vocabulary.json and prints the table

Each route: WARMUP calls, then BENCH_CALLS (default 200) timed calls of its Lambda handler in this
process (Mangum → FastAPI → guards → service → PostgreSQL as ``describeit_app`` under RLS; DynamoDB on
moto's server for the rate limits, the idempotency records and the revocation check). Per call the
time spent inside AWS SDK calls is measured too (``botocore``'s ``_make_api_call``), so each row shows
the route with those calls and the same calls minus them: one run, nothing removed.

Rate limits stay on. The heavy learner is ``pro`` (burst 480/min, write 240/min); a phase waits for
the next one-minute window when it would not fit in the current one, so the figures never include a 429.

Then ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement of one more call per route, inside that call's
own transaction (the RLS user set by ``db/tx.py``, the same snapshot), each in a savepoint rolled back
before the statement runs for real: writes are explained too and happen once.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import dataset
from infra.local import stack as local_stack
from infra.local.functions import LambdaContext, load_function
from tests.support.lambda_invoke import http_event

ROOT = Path(__file__).resolve().parents[1]
CALLS = int(os.environ.get("BENCH_CALLS", "200"))
WARMUP = 10
OUT = ROOT / "bench" / "results_vocabulary.json"
# pro limits per minute (describe_it/runtime/limits.py): what one phase may spend in one window
LIMITS = {"burst": 480, "read": 600, "write": 240}
SEARCH_WORDS = ("casa", "perro", "montaña", "agua", "libro", "mañana", "ciudad", "flor")


class AwsTimer:
    """Time spent in AWS SDK calls (DynamoDB here) since the last ``reset``."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.calls = 0

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        timer = self

        def timed(client: Any, operation: str, params: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                timer.ms += (time.perf_counter() - started) * 1000
                timer.calls += 1

        BaseClient._make_api_call = timed  # type: ignore[method-assign]

    def reset(self) -> None:
        self.ms, self.calls = 0.0, 0


class Budget:
    """Requests sent in the current one-minute window, so a phase never runs into a 429."""

    def __init__(self) -> None:
        self.window = -1
        self.used: dict[str, int] = {}

    def reserve(self, rate_class: str, calls: int) -> None:
        now = time.time()
        if int(now // 60) != self.window:
            self.window, self.used = int(now // 60), {}
        burst = self.used.get("burst", 0) + calls
        own = self.used.get(rate_class, 0) + calls
        if burst > LIMITS["burst"] or own > LIMITS[rate_class]:
            wait = 60 - now % 60 + 0.5
            print(f"  (waiting {wait:.0f} s for the next rate-limit window)", file=sys.stderr, flush=True)
            time.sleep(wait)
            self.window, self.used = int(time.time() // 60), {}
        self.used["burst"] = self.used.get("burst", 0) + calls
        self.used[rate_class] = self.used.get(rate_class, 0) + calls


def percentile_99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]  # bench/run.py's convention


def measure(
    name: str,
    function: str,
    make_event: Callable[[int], dict[str, Any]],
    *,
    rate_class: str,
    target_ms: float,
    aws: AwsTimer,
    budget: Budget,
    expect: tuple[int, ...] = (200,),
) -> dict[str, Any]:
    handler = load_function(function).lambda_handler
    context = LambdaContext()
    budget.reserve(rate_class, WARMUP + CALLS)
    for i in range(WARMUP):
        reply = handler(make_event(-1 - i), context)
        assert reply["statusCode"] in expect, reply
    total, inside, aws_calls = [], [], []
    for i in range(CALLS):
        event = make_event(i)
        aws.reset()
        started = time.perf_counter()
        reply = handler(event, context)
        elapsed = (time.perf_counter() - started) * 1000
        assert reply["statusCode"] in expect, (reply["statusCode"], reply["body"][:500])
        total.append(elapsed)
        inside.append(aws.ms)
        aws_calls.append(aws.calls)
    without = [t - a for t, a in zip(total, inside, strict=True)]
    row = {
        "route": name,
        "calls": CALLS,
        "median_ms": round(statistics.median(total), 2),
        "p99_ms": round(percentile_99(total), 2),
        "aws_calls": round(statistics.median(aws_calls)),
        "aws_median_ms": round(statistics.median(inside), 2),
        "without_aws_median_ms": round(statistics.median(without), 2),
        "without_aws_p99_ms": round(percentile_99(without), 2),
        "target_ms": target_ms,
    }
    row["met"] = row["median_ms"] <= target_ms
    print(row, flush=True)
    return row


# --- EXPLAIN of the statements one call runs ---------------------------------------------------------


@contextmanager
def explaining(plans: list[dict[str, Any]]) -> Iterator[None]:
    """Every statement run meanwhile is first EXPLAIN (ANALYZE, BUFFERS)-ed in a rolled-back savepoint
    of its own transaction, then run for real."""
    import psycopg
    from psycopg.rows import tuple_row

    original = psycopg.Cursor.execute

    def execute(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(cursor.connection)
        conn = cursor.connection
        in_request = conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        # only the statements of a request's transaction (not the pool's connection checks)
        if in_request and not text.lstrip().upper().startswith(("SELECT SET_CONFIG", "EXPLAIN")):
            plan = ""
            with conn.transaction() as savepoint:
                plain = conn.cursor(row_factory=tuple_row)
                original(plain, "EXPLAIN (ANALYZE, BUFFERS) " + text, params)
                plan = "\n".join(row[0] for row in plain.fetchall())
                raise psycopg.Rollback(savepoint)
            plans.append({"sql": " ".join(text.split()), "plan": plan})
        return original(cursor, query, params, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


def explain(function: str, event: dict[str, Any], expect: tuple[int, ...] = (200,)) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []
    with explaining(plans):
        reply = load_function(function).lambda_handler(event, LambdaContext())
    assert reply["statusCode"] in expect, reply
    return plans


# search_vocabulary() is SECURITY DEFINER (so never inlined): EXPLAIN of the calling query shows a
# Function Scan only. Its body is explained on its own, as its owner, with the caller's app.user_id
# and the call's arguments, which is what the function runs.
_SEARCH_ARGS = (
    ("p_q", "text"), ("p_scope", "text"), ("p_difficulty", "difficulty_level"), ("p_category", "text"),
    ("p_part_of_speech", "part_of_speech"), ("p_list", "uuid"), ("p_after_score", "float8"),
    ("p_after_id", "uuid"), ("p_limit", "integer"), ("p_offset", "integer"),
)  # fmt: skip


def explain_search_body(admin_dsn: str, user_id: Any, q: str, scope: str, limit: int) -> dict[str, Any]:
    import re

    import psycopg

    values = {"p_q": q, "p_scope": scope, "p_limit": limit + 1, "p_offset": 0}
    with psycopg.connect(admin_dsn) as conn:
        body = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'search_vocabulary'").fetchone()[0]  # type: ignore[index]
        types = dict(_SEARCH_ARGS)
        sql = re.sub(
            r"\b(p_[a-z_]+)\b", lambda m: f"%({m.group(1)})s::{types[m.group(1)]}", body.replace("%", "%%")
        )
        params = {name: values.get(name) for name, _ in _SEARCH_ARGS}
        with conn.transaction():
            conn.execute("SET LOCAL ROLE describeit_owner")
            conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id)])
            conn.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.3', true)")
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    return {"sql": f"search_vocabulary() body, q={q!r}, scope={scope}", "plan": "\n".join(r[0] for r in rows)}


# --- the heavy learner -------------------------------------------------------------------------------


def heavy_learner(admin_dsn: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(admin_dsn) as conn:
        me = conn.execute("SELECT id FROM users WHERE email = %s", [dataset.HEAVY_LEARNER]).fetchone()
        if me is None:
            raise SystemExit("no bench data: run `make bench-data` first")
        user_id = me[0]
        public = conn.execute(
            "SELECT id FROM vocabulary_lists WHERE is_public AND owner_id IS NULL ORDER BY name LIMIT 1"
        ).fetchone()[0]  # type: ignore[index]
        due = [
            row[0]
            for row in conn.execute(
                """SELECT vocabulary_item_id FROM learning_progress WHERE user_id = %s AND due <= now()
                    ORDER BY due LIMIT %s""",
                [user_id, WARMUP + CALLS + 5],
            )
        ]
        cards = conn.execute(
            "SELECT count(*) FROM learning_progress WHERE user_id = %s", [user_id]
        ).fetchone()
        logs = conn.execute("SELECT count(*) FROM review_logs WHERE user_id = %s", [user_id]).fetchone()
        due_now = conn.execute(
            "SELECT count(*) FROM learning_progress WHERE user_id = %s AND due <= now()", [user_id]
        ).fetchone()
        own = conn.execute(
            "SELECT count(*) FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id "
            "WHERE l.owner_id = %s",
            [user_id],
        ).fetchone()
    if len(due) < WARMUP + CALLS + 1:
        raise SystemExit(f"the heavy learner has only {len(due)} due cards left: regenerate with --fresh")
    return {
        "id": user_id,
        "public_list": public,
        "due_items": due,
        "cards": cards[0] if cards else 0,
        "reviews": logs[0] if logs else 0,
        "due_now": due_now[0] if due_now else 0,
        "own_items": own[0] if own else 0,
    }


def sign_in(ip: str) -> str:
    reply = load_function("auth_signin").lambda_handler(
        http_event(
            "POST",
            "/api/auth/signin",
            body={"email": dataset.HEAVY_LEARNER, "password": dataset.BENCH_PASSWORD},
            source_ip=ip,
        ),
        LambdaContext(),
    )
    body = json.loads(reply["body"])
    if not body.get("success"):
        raise SystemExit(f"bench sign-in failed: {body}")
    return str(body["data"]["session"]["access_token"])


def bulk_items(run: str, call: int, pool: list[dataset.Word]) -> list[dict[str, Any]]:
    """500 new items: the pool's words with a per-call suffix, so nothing is a duplicate."""
    start = (call * 500) % (len(pool) - 500)
    return [
        {
            "spanishText": f"{word.spanish} {run}{call}",
            "englishTranslation": word.english,
            "partOfSpeech": "other",
            "difficulty": "beginner",
            "category": "bench",
            "tags": ["bench"],
        }
        for word in pool[start : start + 500]
    ]


def main() -> int:
    running = dataset.start_stack()
    closed = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "UNSPLASH_BASE_URL": "http://127.0.0.1:9"}
    local_stack.export({**running.env, **closed})
    aws = AwsTimer()
    aws.install()
    budget = Budget()
    run = uuid.uuid4().hex[:6]
    try:
        who = heavy_learner(running.admin_dsn())
        token = sign_in("198.51.100.7")
        auth = {"authorization": f"Bearer {token}"}
        pool = dataset.word_pool(2000, random.Random("bulk"))

        def get(path: str, query: str = "") -> Callable[[int], dict[str, Any]]:
            return lambda i: http_event("GET", path, headers=auth, query=query)

        def search(scope: str) -> Callable[[int], dict[str, Any]]:
            return lambda i: http_event(
                "GET",
                "/api/search/vocabulary",
                headers=auth,
                query=f"q={quote(SEARCH_WORDS[i % len(SEARCH_WORDS)])}&scope={scope}&limit=20",
            )

        due_items = iter(who["due_items"])

        def review(i: int) -> dict[str, Any]:
            return http_event(
                "POST",
                "/api/vocabulary/review",
                headers={**auth, "idempotency-key": f"bench-review-{run}-{i}"},
                body={"itemId": str(next(due_items)), "rating": 3 if i % 5 else 1, "responseTimeMs": 4200},
            )

        def bulk(i: int) -> dict[str, Any]:
            return http_event(
                "POST",
                "/api/vocabulary/save",
                headers={**auth, "idempotency-key": f"bench-bulk-{run}-{i}"},
                body={"collectionName": f"Bench bulk {run} {i}", "vocabularyItems": bulk_items(run, i, pool)},
            )

        page = "limit=50&includeProgress=true"
        cases: list[tuple[str, str, Callable[[int], dict[str, Any]], str, float, tuple[int, ...]]] = [
            ("GET /api/vocabulary/items (own, 50, with progress)", "vocabulary_items",
             get("/api/vocabulary/items", page), "read", 10, (200,)),
            ("GET /api/vocabulary/lists/{public}/items (50, with progress)", "vocabulary_list_items",
             get(f"/api/vocabulary/lists/{who['public_list']}/items", page), "read", 10, (200,)),
            ("GET /api/vocabulary/review (due queue, 20)", "vocabulary_review",
             get("/api/vocabulary/review"), "read", 5, (200,)),
            ("GET /api/search/vocabulary scope=mine", "search_vocabulary", search("mine"), "read", 20, (200,)),
            ("GET /api/search/vocabulary scope=public", "search_vocabulary", search("public"), "read", 20, (200,)),
            ("POST /api/vocabulary/review (Idempotency-Key)", "vocabulary_review", review, "write", 10, (200,)),
            ("POST /api/vocabulary/save (bulk 500, Idempotency-Key)", "vocabulary_save", bulk, "write", 300,
             (201,)),
        ]  # fmt: skip
        load_before = os.getloadavg()
        rows, plans = [], {}
        for name, function, make_event, rate_class, target, expect in cases:
            rows.append(
                measure(
                    name, function, make_event, rate_class=rate_class, target_ms=target, aws=aws,
                    budget=budget, expect=expect,
                )
            )  # fmt: skip
            budget.reserve(rate_class, 1)
            plans[name] = explain(function, make_event(CALLS + 1), expect)
            if function == "search_vocabulary":
                scope = "mine" if "mine" in name else "public"
                word = SEARCH_WORDS[(CALLS + 1) % len(SEARCH_WORDS)]
                plans[name].append(explain_search_body(running.admin_dsn(), who["id"], word, scope, 20))
        cleanup_bulk(running.admin_dsn(), who["id"], run)
        heavy = {k: v for k, v in who.items() if k not in ("due_items", "id", "public_list")}
        write_results(OUT, load_before, rows, plans, heavy_learner=heavy)
    finally:
        running.stop()
    return 0


def write_results(
    out: Path, load_before: tuple[float, float, float], rows: list[Any], plans: Any, **extra: Any
) -> None:
    """A run's results as JSON (date, machine, load, rows, plans), then its table on stdout."""
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        # the machine is shared: the 1-minute load average before and after the timed calls
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        **extra,
        "rows": rows,
        "plans": plans,
    }
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(rows)


def cleanup_bulk(admin_dsn: str, user_id: Any, run: str) -> None:
    """The bulk saves' lists go again, so the next run measures the same data set."""
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM vocabulary_lists WHERE owner_id = %s AND name LIKE %s",
            [user_id, f"Bench bulk {run} %"],
        )
        # 100,000 items came and went: without this the GIN indexes' pending lists and the dead rows
        # would slow the next run's searches (a GIN scan reads its whole pending list)
        for table in ("vocabulary_items", "vocabulary_lists", "learning_progress", "review_logs"):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        "| route | median ms | p99 ms | DynamoDB calls | in DynamoDB (median) | without DynamoDB: median / p99 | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        verdict = "met" if r["met"] else "**not met**"
        print(
            f"| {r['route']} | {r['median_ms']} | {r['p99_ms']} | {r['aws_calls']} | {r['aws_median_ms']} | "
            f"{r['without_aws_median_ms']} / {r['without_aws_p99_ms']} | ≤ {r['target_ms']:g} ms: {verdict} |"
        )


if __name__ == "__main__":
    sys.exit(main())

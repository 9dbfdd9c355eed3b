"""Exports through the real service on the local stack: time and peak memory per format, 5,000 vs 50,000 items.

    .venv/bin/python -m bench.export_end_to_end                       # every format, 5,000 and 50,000 items
    .venv/bin/python -m bench.export_end_to_end --formats pdf --rows 500,5000

Starts the local stack (embedded PostgreSQL, moto's S3) with a database of its own, signs up one
learner and gives them a list of each size (one SQL statement each; items with accents, context
sentences and tags). Each export is a pending ``export_history`` row run by the export worker's
handler code, as Lambda runs it: claim, rows from a server-side cursor in batches of 500, the writer,
the file on /tmp, the upload to S3, completion. Every run is in a fresh process of its own
(tests/support/export_probe.py), which first runs a 100-item export to warm up: the stack's S3
emulator lives in this process and keeps each uploaded object in memory, so measuring here would
count the file. Per format and size, one run untraced (seconds, peak RSS of the process) and one
under tracemalloc (peak traced Python memory, slower). Flat memory shows as a ``peak ×`` close to 1
between the first and the last item count; the PDF keeps its pages, so its peak grows with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

from infra.local import stack as local_stack
from infra.local.functions import LambdaContext, load_function
from tests.integration.export.test_streaming import fill_list
from tests.support.lambda_invoke import http_event

ROOT = Path(__file__).resolve().parents[1]
# file kind → (format, options)
KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "json": ("json", {}),
    "csv": ("csv", {}),
    "pdf": ("pdf", {}),
    "apkg": ("anki", {}),
    "anki-text": ("anki", {"ankiFile": "text"}),
    "quizlet": ("quizlet", {}),
}


def admin(dsn: str) -> Any:
    def run(query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    return run


def learner() -> UUID:
    body = {
        "email": f"bench-export-{uuid4().hex[:8]}@example.com",
        "password": "correct horse battery staple",
    }
    reply = load_function("auth_signup").lambda_handler(
        http_event("POST", "/api/auth/signup", body=body, source_ip="198.19.5.1"), LambdaContext()
    )
    data = json.loads(reply["body"])
    if reply["statusCode"] != 201:
        raise SystemExit(f"bench sign-up failed: {data}")
    return UUID(data["data"]["user"]["id"])


def pending(user: UUID, kind: str, list_id: UUID) -> str:
    from describe_it.db.tx import transaction
    from describe_it.export import repository as repo

    fmt, options = KINDS[kind]
    now = datetime.now(UTC)
    with transaction("app", user) as conn:
        row = repo.insert(
            conn,
            export_id=uuid4(),
            user_id=user,
            format=fmt,
            content_type="vocabulary",
            filters={"listId": str(list_id)},
            options={"includeProgress": True, **options},
            filename=f"bench-{kind}.{fmt}",
            started_at=None,
            now=now,
        )
    return f"{user}:{row.id}"


def probe(*args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}"}
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.export_probe", "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=3600,
        check=False,
    )
    if out.returncode != 0:
        failures = [line for line in out.stdout.splitlines() if "export failed" in line]
        raise SystemExit(f"export probe failed: {failures}\n{out.stderr[-3000:]}")
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return lines[-1]  # the first is the warm-up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(KINDS), help="comma-separated file kinds")
    parser.add_argument("--rows", default="5000,50000", help="comma-separated item counts")
    args = parser.parse_args()
    kinds = [kind for kind in KINDS if kind in args.formats.split(",")]
    counts = [int(count) for count in args.rows.split(",")]

    running = local_stack.start("describeit_bench_export", fresh=True)
    local_stack.export(running.env)
    try:
        sql = admin(running.admin_dsn())
        user = learner()
        warm = fill_list(sql, user, 100, "Calentamiento")
        lists = {count: fill_list(sql, user, count, f"Lista de {count}") for count in counts}
        print(
            f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, batches of 500"
        )
        print("| format | items | seconds | items/s | file KiB | peak traced KiB | peak × | max RSS MiB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind in kinds:
            first_peak = 0.0
            for count in counts:
                timed = probe("--no-trace", pending(user, kind, warm), pending(user, kind, lists[count]))
                traced = probe(pending(user, kind, warm), pending(user, kind, lists[count]))
                first_peak = first_peak or traced["peak"]
                print(
                    f"| {kind} | {count:,} | {timed['seconds']:.2f} | {count / timed['seconds']:,.0f} "
                    f"| {timed['size'] / 1024:,.0f} | {traced['peak'] / 1024:,.0f} "
                    f"| {traced['peak'] / first_peak:.2f} | {timed['max_rss_kib'] / 1024:,.0f} |",
                    flush=True,
                )
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

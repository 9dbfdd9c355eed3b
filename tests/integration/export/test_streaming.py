"""Exports stream: from PostgreSQL (server-side cursor, batches) through the writer to a file on disk,
then from the file to S3. Neither stage may hold the export in memory.

The two stages run one after the other (the file is complete before its upload starts), so an
export's peak is the larger of theirs, and each is measured on its own, in a process of its own
(tests/support/export_probe.py), as in a Lambda: the stack's S3 emulator lives in this process and
keeps every object it receives in memory. Peak traced memory (tracemalloc) of 10x the rows, or of
a 10x larger upload, must stay within 1.5x: a stage that held rows, lines or the file would grow
with them. (Measured together, a small text export looks less flat than it is: botocore reads an
upload in 1 MiB chunks, so below 1 MiB the chunk grows with the file.) A writer holds the previous
batch while the next one is fetched, so memory is flat from the second batch on: the rows are
fetched 100 at a time here (5 and 50 batches). Ratios of runs in one process, no clock; the large
figures (5,000 vs 50,000 items, batches of 500) are bench/export_end_to_end.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from psycopg import sql

from describe_it.db.tx import transaction
from describe_it.export import repository as repo
from tests.integration.export.conftest import Learner

ROOT = Path(__file__).resolve().parents[3]
SMALL, LARGE = 500, 5_000


def fill_list(admin_sql: Callable[..., Any], owner: UUID, count: int, name: str) -> UUID:
    """``count`` items with accents and context in a new list of ``owner`` (one statement)."""
    list_id = uuid4()
    admin_sql("INSERT INTO vocabulary_lists (id, owner_id, name) VALUES (%s, %s, %s)", [list_id, owner, name])
    admin_sql(
        """INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation,
                                         context_sentence_spanish, context_sentence_english, tags)
           SELECT %s, 'el pingüino ' || n, 'the penguin ' || n, 'El pingüino nº ' || n || ' nada rápido.',
                  'Penguin no. ' || n || ' swims fast.', ARRAY['animales', 'día a día']
             FROM generate_series(1, %s) AS n""",
        [list_id, count],
    )
    return list_id


def pending_export(
    learner: Learner, fmt: str, list_id: UUID, options: dict[str, Any] | None = None
) -> repo.ExportRow:
    now = datetime.now(UTC)
    with transaction("app", learner.id) as conn:
        return repo.insert(
            conn,
            export_id=uuid4(),
            user_id=learner.id,
            format=fmt,
            content_type="vocabulary",
            filters={"listId": str(list_id)},
            options={"includeProgress": True, **(options or {})},
            filename=f"memory.{fmt}",
            started_at=now,
            now=now,
        )


def probe(*args: str) -> list[dict[str, float]]:
    """tests/support/export_probe.py in a fresh process: one result per export (or upload)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}"}
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.export_probe", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("json", None), ("csv", None), ("quizlet", None), ("anki", None), ("anki", {"ankiFile": "text"})],
    ids=["json", "csv", "quizlet", "apkg", "anki-text"],
)
def test_rows_to_file_peak_memory_is_flat_from_500_to_5000_items(
    ana: Learner, admin_sql: Callable[..., Any], fmt: str, options: dict[str, Any] | None
) -> None:
    small = fill_list(admin_sql, ana.id, SMALL, "Pequeña")
    large = fill_list(admin_sql, ana.id, LARGE, "Grande")
    exports = [pending_export(ana, fmt, lst, options) for lst in (small, small, large)]
    # The first run warms up the process: imports, the S3 client, one-time caches.
    _, first, second = probe("--discard", "--batch=100", *(f"{e.user_id}:{e.id}" for e in exports))

    assert second["records"] == LARGE and first["records"] == SMALL
    assert second["size"] > 8 * first["size"]  # the large file really holds ten times the rows
    assert second["peak"] <= 1.5 * first["peak"], (
        f"{fmt}: peak {first['peak']} B at {SMALL} items, {second['peak']} B at {LARGE}"
    )


@pytest.mark.usefixtures("clean")
def test_upload_peak_memory_is_flat_from_2_to_20_mib() -> None:
    _, first, second = probe("--upload", "1", "2", "20")

    assert second["size"] == 10 * first["size"]
    assert second["peak"] <= 1.5 * first["peak"], (
        f"peak {first['peak']} B for 2 MiB, {second['peak']} B for 20 MiB"
    )


def test_the_read_outlasts_the_app_roles_idle_limit_while_the_writer_works(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    """The app role ends a transaction idle for 10 s (db/roles.sql); an export's read idles between
    fetches while a batch is laid out. With the role's limit at 1 s, a writer that takes 2.5 s over
    one batch must still get the next."""
    from describe_it.db.pool import close_pools
    from describe_it.export.runner import ExportRunner

    export = pending_export(ana, "csv", fill_list(admin_sql, ana.id, 700, "Lenta"))  # two batches
    fetches = 0

    def slow_writer() -> None:  # runs before each fetch: the second comes 2.5 s after the first
        nonlocal fetches
        fetches += 1
        if fetches == 2:
            time.sleep(2.5)

    ((settings,),) = admin_sql(
        """SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
            WHERE r.rolname = 'describeit_app' AND s.setdatabase = 0"""
    )
    (limit,) = [value for value in settings if value.startswith("idle_in_transaction_session_timeout=")]
    admin_sql("ALTER ROLE describeit_app SET idle_in_transaction_session_timeout = '1s'")
    close_pools()  # new connections take the role's setting
    try:
        produced = ExportRunner().produce(export, check=slow_writer, keep_text=False)
    finally:
        restore = sql.SQL("ALTER ROLE describeit_app SET idle_in_transaction_session_timeout = {}")
        admin_sql(restore.format(sql.Literal(limit.split("=", 1)[1])))
        close_pools()

    assert produced.records == 700
    assert fetches == 4  # before each of three fetches (the last one finds the end), then the upload

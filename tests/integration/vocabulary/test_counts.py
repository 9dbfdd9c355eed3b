"""List word counts under concurrent writers (migration 0004: deltas instead of snapshot recounts).

0001 recounted with count(*) inside the writer's statement snapshot: a writer that had to wait for
another one's lock on the list row then wrote a count without the other's rows. The first test forces
exactly that interleaving; the second runs many writers at once through the repository code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from describe_it.vocabulary import repository as repo
from infra.local.stack import Stack
from tests.integration.vocabulary.conftest import Learner


@contextmanager
def as_app(stack: Stack, user: UUID) -> Iterator[psycopg.Connection[Any]]:
    """A transaction as describeit_app for ``user``, the way describe_it.db.tx opens one."""
    with psycopg.connect(stack.role_dsn("app"), row_factory=dict_row) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user)])
        yield conn


def counts(admin_sql: Callable[..., Any], list_id: str) -> tuple[int, int]:
    [(stored, real)] = admin_sql(
        "SELECT total_words, (SELECT count(*) FROM vocabulary_items i WHERE i.vocabulary_list_id = l.id)::int"
        " FROM vocabulary_lists l WHERE l.id = %s",
        [list_id],
    )
    return stored, real


def wait_until_blocked(admin_sql: Callable[..., Any], pid: int) -> None:
    """Until the backend ``pid`` waits for a lock (a condition, not a guess at timing)."""
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = admin_sql("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        if rows and rows[0][0] == "Lock":
            return
        time.sleep(0.005)
    raise AssertionError("the second writer never waited for the first")


def _rows(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {"idx": i, "spanish_text": f"{prefix} {i}", "english_translation": "w", "part_of_speech": "other",
         "difficulty_level": "beginner", "examples": [], "tags": [], "metadata": {}}
        for i in range(n)
    ]  # fmt: skip


def test_a_writer_that_waited_for_another_still_counts_its_rows(
    clean: Stack, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Carrera")
    list_id = UUID(lst["id"])
    second_pid: list[int] = []
    errors: list[BaseException] = []
    started = threading.Event()

    def second_writer() -> None:
        try:
            with as_app(clean, ana.id) as conn:
                second_pid.append(conn.info.backend_pid)
                started.set()
                repo.insert_items(conn, list_id, _rows("segundo", 3))  # blocks on the list row, then goes on
        except BaseException as exc:
            errors.append(exc)

    with as_app(clean, ana.id) as first:
        repo.insert_items(first, list_id, _rows("primero", 5))  # holds the list row until commit
        thread = threading.Thread(target=second_writer)
        thread.start()
        started.wait(30)
        wait_until_blocked(admin_sql, second_pid[0])
    thread.join(30)
    assert errors == []
    assert counts(admin_sql, lst["id"]) == (8, 8)

    # and a delete that waited for an insert
    with as_app(clean, ana.id) as first:
        repo.insert_items(first, list_id, _rows("tercero", 2))
        victim = first.execute("SELECT id FROM vocabulary_items WHERE spanish_text = 'primero 0'").fetchone()[
            "id"
        ]  # type: ignore[index]
        second_pid.clear()
        started.clear()

        def deleter() -> None:
            try:
                with as_app(clean, ana.id) as conn:
                    second_pid.append(conn.info.backend_pid)
                    started.set()
                    repo.delete_item(conn, victim)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=deleter)
        thread.start()
        started.wait(30)
        wait_until_blocked(admin_sql, second_pid[0])
    thread.join(30)
    assert errors == []
    assert counts(admin_sql, lst["id"]) == (9, 9)


def test_many_concurrent_saves_and_deletes_keep_the_count_right(
    clean: Stack, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Multitud")
    list_id = UUID(lst["id"])
    seeded = ana.save(lst["id"], *[(f"semilla {i}", "seed") for i in range(12)])
    writers, deleters = 6, 6
    barrier = threading.Barrier(writers + deleters)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(30)
            with as_app(clean, ana.id) as conn:
                repo.insert_items(conn, list_id, _rows(f"hilo {n}", 7))
        except BaseException as exc:
            errors.append(exc)

    def delete(n: int) -> None:
        try:
            barrier.wait(30)
            for item in seeded[n * 2 : n * 2 + 2]:
                with as_app(clean, ana.id) as conn:
                    repo.delete_item(conn, UUID(item["id"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=delete, args=(n,)) for n in range(deleters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert counts(admin_sql, lst["id"]) == (writers * 7, writers * 7)
    reply = ana.call("GET", f"/api/vocabulary/lists/{lst['id']}")
    assert reply.data["totalWords"] == writers * 7

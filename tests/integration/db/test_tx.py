"""The transaction helper on the real PostgreSQL: database errors become domain errors (correction 14),
deadlocks are retried once, and one request uses one connection however it nests transactions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.db.tx import NestedTransactionError, run_in_transaction, transaction
from describe_it.errors import (
    ApiError,
    ConstraintFailed,
    DuplicateValue,
    NotFound,
    ReferenceNotFound,
    StillReferenced,
    TransactionConflict,
)
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from infra.local.stack import Stack
from tests.support.lambda_invoke import LambdaContext, Reply, http_event

pytestmark = pytest.mark.usefixtures("db")

HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
INSERT_USER = "INSERT INTO users (email, password_hash) VALUES (%s, %s) RETURNING id"
# A real serialization failure (SQLSTATE 40001), raised by the server on demand.
SERIALIZATION_FAILURE = (
    "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END $$"
)


def _users(stack: Stack, *emails: str) -> list[UUID]:
    with psycopg.connect(stack.admin_dsn()) as conn:
        return [conn.execute(INSERT_USER, [email, HASH]).fetchone()[0] for email in emails]


def _logged_text(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)


# --- constraint errors → domain errors --------------------------------------------------------------


def test_a_unique_violation_is_409_and_names_its_constraint(records: list[logging.LogRecord]) -> None:
    with pytest.raises(DuplicateValue) as raised, transaction("auth") as conn:
        conn.execute(  # citext: the same address twice
            "INSERT INTO users (email, password_hash) VALUES (%s, %s), (%s, %s)",
            ["ana@example.com", HASH, "ANA@example.com", HASH],
        )
    assert (raised.value.status, raised.value.code) == (409, "CONFLICT")
    assert raised.value.constraint == "users_email_key"
    logged = _logged_text(records)
    assert "23505" in logged and "users_email_key" in logged
    assert "ana@example.com" not in logged.lower()  # the DETAIL "Key (email)=(…)" stays out of the log
    assert "INSERT" not in logged


def test_a_foreign_key_violation_is_404() -> None:
    with pytest.raises(ReferenceNotFound) as raised, transaction("auth") as conn:
        conn.execute(
            "INSERT INTO email_outbox (user_id, to_address, template) VALUES (%s, 'x@example.com', 'verify_email')",
            [uuid4()],
        )
    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")
    assert raised.value.constraint == "email_outbox_user_id_fkey"


def test_deleting_a_row_others_still_point_to_is_409(stack: Stack) -> None:
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute(
            "INSERT INTO images (id, source_hash, source_type, url) VALUES (%s, %s, 'url', 'https://x.test/1.jpg')",
            [image := uuid4(), bytes(32)],
        )
        (user,) = conn.execute(INSERT_USER, ["a@example.com", HASH]).fetchone()
        conn.execute(
            "INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,"
            " word_count_english, word_count_spanish) VALUES (%s, %s, 'narrativo', 'A.', 'Una.', 1, 1)",
            [user, image],
        )
    with pytest.raises(StillReferenced) as raised, transaction("admin") as conn:  # ON DELETE RESTRICT
        conn.execute("DELETE FROM images WHERE id = %s", [image])
    assert (raised.value.status, raised.value.code) == (409, "CONFLICT")
    assert raised.value.constraint == "saved_descriptions_image_id_fkey"
    with pytest.raises(StillReferenced), transaction("admin") as conn:  # ON UPDATE NO ACTION (the default)
        conn.execute("UPDATE users SET id = gen_random_uuid() WHERE id = %s", [user])


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        (INSERT_USER, ["not an address", HASH]),  # check constraint
        ("INSERT INTO users (email) VALUES ('b@example.com')", []),  # not null
        ("UPDATE users SET time_zone = 'Mars/Olympus'", []),  # the trigger's invalid_parameter_value
        ("SELECT %s::int", ["twelve"]),  # a value the column type cannot take
    ],
    ids=["check", "not-null", "trigger", "bad-value"],
)
def test_a_refused_value_is_400(stack: Stack, statement: str, params: list[Any]) -> None:
    _users(stack, "a@example.com")
    with pytest.raises(ConstraintFailed) as raised, transaction("auth") as conn:
        conn.execute(statement, params)
    assert (raised.value.status, raised.value.code) == (400, "VALIDATION_ERROR")


def test_a_row_level_security_refusal_is_404(stack: Stack) -> None:
    a, b = _users(stack, "a@example.com", "b@example.com")
    with pytest.raises(NotFound) as raised, transaction("app", a) as conn:
        conn.execute(
            "INSERT INTO user_api_keys (user_id, provider, ciphertext, key_id, last4)"
            " VALUES (%s, 'anthropic', %s, 'local', 'abcd')",
            [b, bytes(16)],
        )
    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")


def test_an_unexpected_database_error_is_500_logged_by_sqlstate_only(
    records: list[logging.LogRecord],
) -> None:
    with pytest.raises(ApiError) as raised, transaction("app") as conn:
        conn.execute("SELECT secret_column FROM no_such_table WHERE x = %s", ["a-value"])
    assert (raised.value.status, raised.value.code) == (500, "INTERNAL_ERROR")
    logged = _logged_text(records)
    assert "42P01" in logged and "UndefinedTable" in logged
    assert "no_such_table" not in logged and "a-value" not in logged


def test_a_failure_in_a_nested_transaction_rolls_back_only_its_savepoint() -> None:
    """So a caller can catch the domain error and carry on (or answer with its own message)."""
    with transaction("auth") as conn:
        conn.execute(INSERT_USER, ["a@example.com", HASH])
        with pytest.raises(DuplicateValue) as raised, transaction("auth") as inner:
            inner.execute(INSERT_USER, ["A@example.com", HASH])
        assert raised.value.constraint == "users_email_key"
        conn.execute(INSERT_USER, ["b@example.com", HASH])  # the outer transaction is still usable
    with transaction("auth") as conn:
        emails = {r["email"] for r in conn.execute("SELECT email FROM users").fetchall()}
    assert emails == {"a@example.com", "b@example.com"}


# --- through HTTP: the one error mapping, with no psycopg in http/errors.py ---------------------------

router = api_router()


@router.post("/api/duplicate", openapi_extra=policy(auth="none", burst=False))
def duplicate(request: Request) -> Response:
    with transaction("auth") as conn:
        conn.execute(INSERT_USER, ["dup@example.com", HASH])
        conn.execute(INSERT_USER, ["dup@example.com", HASH])
    return ok(request, {})


@router.post("/api/busy", openapi_extra=policy(auth="none", burst=False))
def busy(request: Request) -> Response:
    return ok(request, run_in_transaction("auth", None, lambda conn: conn.execute(SERIALIZATION_FAILURE)))


handler = make_handler(create_app(router))


def _send(path: str) -> Reply:
    return Reply(handler(http_event("POST", path, body={}), LambdaContext()))


def test_http_a_constraint_error_is_409_in_the_envelope_without_sql(records: list[logging.LogRecord]) -> None:
    reply = _send("/api/duplicate")
    assert reply.status == 409, reply
    assert reply.json["code"] == "CONFLICT"
    assert reply.json["error"] == "A resource with these values already exists"
    for text in (reply.text, _logged_text(records)):
        assert "dup@example.com" not in text and "INSERT" not in text and "Key (" not in text


def test_http_a_conflict_that_persists_is_503_with_retry_after() -> None:
    reply = _send("/api/busy")
    assert reply.status == 503, reply
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert reply.headers["retry-after"] == "1"


# --- deadlocks and serialization failures: retried once ---------------------------------------------


def _flaky(failures: int) -> tuple[Callable[[Any], int], list[int]]:
    """Work that hits a serialization failure on its first ``failures`` runs."""
    runs: list[int] = []

    def work(conn: Any) -> int:
        runs.append(len(runs) + 1)
        conn.execute(INSERT_USER, [f"run{len(runs)}@example.com", HASH])
        if len(runs) <= failures:
            conn.execute(SERIALIZATION_FAILURE)
        return len(runs)

    return work, runs


def test_a_serialization_failure_is_retried_once_and_the_retry_commits_alone() -> None:
    work, runs = _flaky(failures=1)
    assert run_in_transaction("auth", None, work) == 2
    with transaction("auth") as conn:
        emails = [r["email"] for r in conn.execute("SELECT email FROM users").fetchall()]
    assert runs == [1, 2] and emails == ["run2@example.com"]  # the failed run left nothing behind


def test_a_second_failure_is_not_retried_again() -> None:
    work, runs = _flaky(failures=5)
    with pytest.raises(TransactionConflict) as raised:
        run_in_transaction("auth", None, work)
    assert runs == [1, 2]
    assert raised.value.status == 503 and raised.value.headers["Retry-After"] == "1"


def test_transaction_does_not_retry_on_its_own() -> None:
    """A ``with`` block cannot run its body twice: same mapping, no retry."""
    with pytest.raises(TransactionConflict), transaction("auth") as conn:
        conn.execute(SERIALIZATION_FAILURE)


def test_a_real_deadlock_between_two_threads_is_retried_and_both_commit(stack: Stack) -> None:
    """Two transactions lock two rows in opposite order; PostgreSQL aborts one (40P01), which runs again."""
    first, second = _users(stack, "first@example.com", "second@example.com")
    both_hold_their_first_row = threading.Barrier(2, timeout=30)
    done = {"first": threading.Event(), "second": threading.Event()}
    runs: dict[str, int] = {"first": 0, "second": 0}

    def worker(name: str, other: str, mine: UUID, theirs: UUID) -> None:
        def work(conn: Any) -> None:
            runs[name] += 1
            if runs[name] == 2:
                # The victim's retry starts once the survivor has committed; otherwise the two could
                # race for the rows again and deadlock a second time (the test would then measure luck).
                assert done[other].wait(timeout=30)
            conn.execute("UPDATE users SET full_name = %s WHERE id = %s", [name, mine])
            if runs[name] == 1:
                both_hold_their_first_row.wait()  # now each one's next UPDATE waits for the other
            conn.execute("UPDATE users SET full_name = %s WHERE id = %s", [name, theirs])

        try:
            run_in_transaction("auth", None, work)
        finally:
            done[name].set()

    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(worker, "first", "second", first, second),
            pool.submit(worker, "second", "first", second, first),
        ]
        for future in futures:
            future.result(timeout=60)

    assert sorted(runs.values()) == [1, 2]  # exactly one was the deadlock's victim, and ran twice
    victim = next(name for name, count in runs.items() if count == 2)
    with psycopg.connect(stack.admin_dsn()) as conn:
        names = {row[0] for row in conn.execute("SELECT full_name FROM users").fetchall()}
    assert names == {victim}  # the victim's second run committed last, over both rows


# --- one request, one connection ----------------------------------------------------------------------


@pytest.fixture
def one_connection_pool(settings_env: Callable[..., None]) -> Iterator[None]:
    from describe_it.db.pool import close_pools

    close_pools()
    settings_env(DB_POOL_MAX_SIZE="1", DB_CONNECT_TIMEOUT_S="1")
    yield
    close_pools()


@pytest.mark.usefixtures("one_connection_pool")
def test_a_nested_transaction_reuses_the_connection_with_a_pool_of_one(stack: Stack) -> None:
    from describe_it.db.pool import get_pool

    (a,) = _users(stack, "a@example.com")
    with transaction("app", a) as outer:
        with transaction("app", a) as inner:
            assert inner is outer
            row = inner.execute("SELECT current_setting('app.user_id') AS uid").fetchone()
            assert row == {"uid": str(a)}
        assert run_in_transaction("app", a, lambda conn: conn is outer)  # joins too, no retry of its own
    assert get_pool("app").get_stats()["connections_num"] == 1


@pytest.mark.usefixtures("one_connection_pool")
@pytest.mark.parametrize(("role", "same_user"), [("app", False), ("auth", True)])
def test_a_nested_transaction_for_another_role_or_user_is_refused(
    stack: Stack, role: str, same_user: bool
) -> None:
    a, b = _users(stack, "a@example.com", "b@example.com")
    with (
        transaction("app", a),
        pytest.raises(NestedTransactionError),
        transaction(role, a if same_user else b),
    ):
        pass


def test_the_open_transaction_is_forgotten_when_it_ends(stack: Stack) -> None:
    a, b = _users(stack, "a@example.com", "b@example.com")
    with transaction("app", a):
        pass
    with transaction("app", b) as conn:  # not nested any more: its own user
        assert conn.execute("SELECT current_setting('app.user_id') AS uid").fetchone() == {"uid": str(b)}

"""``sessions.counters.bump``: the one helper every route that names a session uses for its counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from describe_it.db.tx import transaction
from describe_it.errors import NotFound
from describe_it.sessions.counters import bump
from tests.integration.progress.conftest import Learner


def new_session(admin_sql: Callable[..., Any], learner: Learner) -> UUID:
    [(session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type, last_activity_at)"
        " VALUES (%s, 'mixed', now() - interval '1 hour') RETURNING id",
        [learner.id],
    )
    return session  # type: ignore[no-any-return]


def counters(admin_sql: Callable[..., Any], session: UUID) -> tuple[Any, ...]:
    [row] = admin_sql(
        "SELECT qa_attempts, qa_correct, descriptions_generated, images_processed,"
        " last_activity_at > now() - interval '1 minute' FROM sessions WHERE id = %s",
        [session],
    )
    return row


def test_bump_adds_the_deltas_and_marks_activity(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = new_session(admin_sql, ana)
    with transaction("app", ana.id) as conn:
        bump(conn, ana.id, session, qa_attempts=1, qa_correct=1)
        bump(conn, ana.id, session, qa_attempts=1, descriptions_generated=2)
    assert counters(admin_sql, session) == (2, 1, 2, 0, True)


def test_a_foreign_or_unknown_session_is_not_found_and_the_transaction_rolls_back(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    session = new_session(admin_sql, ana)
    for who, target in ((ben, session), (ana, UUID("3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23"))):
        with pytest.raises(NotFound) as caught, transaction("app", who.id) as conn:
            bump(conn, who.id, target, qa_attempts=1)
        assert caught.value.details[0].field == "sessionId"
    # ana's own id with ben's RLS user: the policy hides the row too
    with pytest.raises(NotFound), transaction("app", ben.id) as conn:
        bump(conn, ana.id, session, qa_attempts=1)
    assert counters(admin_sql, session)[:4] == (0, 0, 0, 0)


def test_bad_deltas_are_programming_errors(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = new_session(admin_sql, ana)
    with transaction("app", ana.id) as conn:
        with pytest.raises(ValueError, match="not a session counter"):
            bump(conn, ana.id, session, points=1)
        with pytest.raises(ValueError, match="only grow"):
            bump(conn, ana.id, session, qa_attempts=-1)


def test_concurrent_bumps_are_all_counted(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = new_session(admin_sql, ana)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def go() -> None:
        try:
            barrier.wait(30)
            for _ in range(5):
                with transaction("app", ana.id) as conn:
                    bump(conn, ana.id, session, qa_attempts=1, qa_correct=1, images_processed=2)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert counters(admin_sql, session)[:4] == (40, 40, 0, 80)

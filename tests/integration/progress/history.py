"""Hand-built learning histories: rows written straight into the domain tables (as the owner), with the
timestamps a test chooses, so expected stats can be computed by hand.

Every row is one the API could have written (reviews reference the learner's items and progress rows,
sessions are ended with their counters, answers carry categories); only the times are the test's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from describe_it.identity import Principal, user
from tests.integration.progress.conftest import Learner

Sql = Callable[..., list[tuple[Any, ...]]]


class Clock:
    """One movable clock for a service and everything it calls."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def who(learner: Learner) -> Principal:
    return user(learner.id, "free", "user", None)


def race(count: int, work: Callable[[], Any]) -> list[Any]:
    """``work()`` in ``count`` threads released together; each result, or the exception it raised."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait(30)
            outcomes.append(work())
        except BaseException as exc:  # the caller asserts on what each thread got
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == count, "a thread did not finish"
    return outcomes


@dataclass
class History:
    sql: Sql
    learner: Learner

    @property
    def me(self) -> UUID:
        return self.learner.id

    def own_list(self, name: str = "Historia") -> UUID:
        [(list_id,)] = self.sql(
            "INSERT INTO vocabulary_lists (owner_id, name) VALUES (%s, %s) RETURNING id", [self.me, name]
        )
        return list_id  # type: ignore[no-any-return]

    def item(self, list_id: UUID, text: str, at: datetime) -> UUID:
        [(item_id,)] = self.sql(
            """INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation, created_at)
               VALUES (%s, %s, %s, %s) RETURNING id""",
            [list_id, text, text, at],
        )
        return item_id  # type: ignore[no-any-return]

    def progress(
        self,
        item: UUID,
        *,
        first: datetime,
        state: str = "review",
        mastery: float = 0.5,
        due: datetime | None = None,
        mastered_at: datetime | None = None,
        reps: int = 1,
    ) -> None:
        self.sql(
            """INSERT INTO learning_progress (user_id, vocabulary_item_id, state, step, stability, difficulty, due,
                                              last_review, reps, correct_count, mastery, first_reviewed_at,
                                              first_mastered_at)
               VALUES (%s, %s, %s::fsrs_state, %s, 5, 5, %s, %s, %s, %s, %s, %s, %s)""",
            [
                self.me,
                item,
                state,
                None if state == "review" else 0,
                due or first + timedelta(days=400),
                first,
                reps,
                reps,
                mastery,
                first,
                mastered_at,
            ],
        )

    def review(self, item: UUID, at: datetime, rating: int = 3, session: UUID | None = None) -> None:
        self.sql(
            """INSERT INTO review_logs (user_id, vocabulary_item_id, session_id, rating, reviewed_at, state_after,
                                        stability_after, difficulty_after, scheduled_days, due_after)
               VALUES (%s, %s, %s, %s, %s, 'review', 5, 5, 1, %s)""",
            [self.me, item, session, rating, at, at + timedelta(days=1)],
        )

    def answer(
        self,
        at: datetime,
        correct: bool,
        category: str | None = "Vocabulario",
        difficulty: str = "medio",
        session: UUID | None = None,
    ) -> None:
        self.sql(
            """INSERT INTO qa_responses (user_id, session_id, question, correct_answer, user_answer, is_correct,
                                         category, difficulty, answered_at)
               VALUES (%s, %s, '¿Qué hay?', 'un gato', %s, %s, %s, %s::qa_difficulty, %s)""",
            [self.me, session, "un gato" if correct else "un perro", correct, category, difficulty, at],
        )

    def session(
        self,
        start: datetime,
        minutes: float | None,
        *,
        status: str = "completed",
        session_type: str = "mixed",
        **counters: int,
    ) -> UUID:
        """A session started at ``start``; ended ``minutes`` later (None: still active)."""
        ended = None if minutes is None else start + timedelta(minutes=minutes)
        names = sorted(counters)
        columns = "".join(f", {n}" for n in names)
        values = "".join(", %s" for _ in names)
        [(session_id,)] = self.sql(
            f"""INSERT INTO sessions (user_id, session_type, status, started_at, ended_at, last_activity_at{columns})
                VALUES (%s, %s::session_type, %s::session_status, %s, %s, %s{values}) RETURNING id""",
            [
                self.me,
                session_type,
                "active" if minutes is None else status,
                start,
                ended,
                ended or start,
                *(counters[n] for n in names),
            ],
        )
        return session_id  # type: ignore[no-any-return]

    def event(self, at: datetime, event_type: str = "phrase_learned") -> None:
        self.sql(
            """INSERT INTO user_interactions (user_id, event_type, occurred_at, local_date)
               SELECT id, %s::learning_event_type, %s, (%s AT TIME ZONE time_zone)::date FROM users WHERE id = %s""",
            [event_type, at, at, self.me],
        )

    def saved_description(self, at: datetime) -> None:
        [(image,)] = self.sql(
            """INSERT INTO images (source_hash, source_type, url) VALUES (sha256(%s::bytea), 'url', %s)
               ON CONFLICT (source_hash) DO UPDATE SET url = excluded.url RETURNING id""",
            [b"https://images.example.com/gato.jpg", "https://images.example.com/gato.jpg"],
        )
        self.sql(
            """INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,
                                               word_count_english, word_count_spanish, created_at)
               VALUES (%s, %s, 'narrativo', 'A cat.', 'Un gato.', 2, 2, %s)""",
            [self.me, image, at],
        )

    def time_zone(self, zone: str) -> None:
        self.sql("UPDATE users SET time_zone = %s WHERE id = %s", [zone, self.me])

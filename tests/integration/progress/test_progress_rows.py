"""GET /api/progress (spec §11.1): the caller's progress rows, filtered, sorted, keyset-paginated; and the
first time an item was mastered, recorded by the review that crossed mastery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from describe_it.review.models import ReviewRequest
from describe_it.review.scheduling import default_scheduler, mastery
from describe_it.review.service import ReviewService
from tests.integration.progress.conftest import Learner
from tests.integration.progress.history import Clock, who


def ids(reply: Any) -> list[str]:
    assert reply.status == 200, reply
    return [row["vocabularyItemId"] for row in reply.data]


@pytest.fixture
def studied(ana: Learner, admin_sql: Callable[..., Any]) -> dict[str, Any]:
    """Five reviewed items of two lists with known due, mastery and last review (set as the owner)."""
    first = ana.new_list("Primera")
    second = ana.new_list("Segunda")
    items = ana.save(first["id"], ("uno", "one"), ("dos", "two"), ("tres", "three"))
    items += ana.save(second["id"], ("cuatro", "four"), ("cinco", "five"))
    ana.save(second["id"], ("seis", "six"))  # never reviewed: no progress row
    for item in items:
        assert (
            ana.call("POST", "/api/vocabulary/review", {"itemId": item["id"], "rating": "good"}).status == 200
        )
    base = datetime(2026, 5, 1, tzinfo=UTC)
    settings = [  # state, due (days from base), mastery, last review (days before base)
        ("review", 3, 0.95, 10), ("review", 1, 0.5, 30), ("learning", 2, 0.2, 1), ("relearning", 5, 0.3, 2),
        ("review", 4, 0.85, 20),
    ]  # fmt: skip
    for item, (state, due, value, last) in zip(items, settings, strict=True):
        admin_sql(
            """UPDATE learning_progress SET state = %s::fsrs_state, step = CASE WHEN %s = 'review' THEN NULL ELSE 0 END,
                      due = %s, mastery = %s, last_review = %s WHERE vocabulary_item_id = %s""",
            [state, state, base + timedelta(days=due), value, base - timedelta(days=last), item["id"]],
        )
    return {"items": [i["id"] for i in items], "first": first["id"], "second": second["id"], "base": base}


def test_rows_sorted_by_due_mastery_or_last_review(ana: Learner, studied: dict[str, Any]) -> None:
    a, b, c, d, e = studied["items"]
    reply = ana.call("GET", "/api/progress")
    assert ids(reply) == [b, c, a, e, d]  # due ascending (the default)
    row = reply.data[0]
    assert row["item"] == {
        "spanishText": "dos",
        "englishTranslation": "two",
        "listId": studied["first"],
        "difficulty": "beginner",
    }
    assert (row["state"], row["learningPhase"], row["mastery"]) == ("review", "review", 0.5)
    assert row["id"] != row["vocabularyItemId"] and 0 <= row["retrievability"] <= 1
    assert reply.json["pagination"]["total"] is None
    assert ids(ana.call("GET", "/api/progress", query="sort=due&order=desc")) == [d, e, a, c, b]
    assert ids(ana.call("GET", "/api/progress", query="sort=mastery")) == [c, d, b, e, a]
    assert ids(ana.call("GET", "/api/progress", query="sortBy=lastReview&sortOrder=desc")) == [c, d, a, e, b]


def test_filters(ana: Learner, studied: dict[str, Any]) -> None:
    a, b, c, d, e = studied["items"]
    base = studied["base"]

    def found(query: str) -> list[str]:
        return ids(ana.call("GET", "/api/progress", query=query))

    assert found(f"listId={studied['second']}") == [e, d]
    assert found("state=relearning") == [d]
    assert found("learningPhase=learning") == [c, d]
    assert found("learningPhase=mastered") == [a, e]
    assert found("learningPhase=review") == [b]
    assert found(f"dueBefore={(base + timedelta(days=3)).isoformat()}") == [b, c]
    assert found(f"vocabularyItemId={e}") == [e]
    assert found(f"vocabulary_item_id={e}") == [e]
    assert found("minMastery=0.5&maxMastery=0.9") == [b, e]
    assert found("minMastery=0.9") == [a]


def test_keyset_pages_walk_every_row_once(ana: Learner, studied: dict[str, Any]) -> None:
    for query in ("sort=due", "sort=mastery&order=desc", "sort=lastReview"):
        whole = ids(ana.call("GET", "/api/progress", query=query))
        seen: list[str] = []
        page = ana.call("GET", "/api/progress", query=f"{query}&limit=2")
        while True:
            seen += ids(page)
            if not page.json["pagination"]["hasMore"]:
                break
            page = ana.call(
                "GET",
                "/api/progress",
                query=f"{query}&limit=2&cursor={page.json['pagination']['nextCursor']}",
            )
        assert seen == whole and len(seen) == 5
        assert ids(ana.call("GET", "/api/progress", query=f"{query}&limit=2&offset=4")) == whole[4:]
    first = ana.call("GET", "/api/progress", query="sort=due&limit=2")
    other = ana.call(
        "GET", "/api/progress", query=f"sort=mastery&limit=2&cursor={first.json['pagination']['nextCursor']}"
    )
    assert other.status == 400  # a cursor of another sort is refused


def test_another_learners_rows_are_never_shown(ana: Learner, ben: Learner, studied: dict[str, Any]) -> None:
    assert ids(ben.call("GET", "/api/progress")) == []
    assert ids(ben.call("GET", "/api/progress", query=f"vocabularyItemId={studied['items'][0]}")) == []
    assert ids(ben.call("GET", "/api/progress", query=f"listId={studied['first']}")) == []
    assert ben.call("GET", "/api/progress/stats").data["totals"]["itemsStudied"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "sort=difficulty",
        "order=up",
        "state=new",
        "state=mastered",
        "learningPhase=new",
        "learningPhase=done",
        "dueBefore=tomorrow",
        "dueBefore=2026-05-01",
        "dueBefore=2026-05-01T10:00:00",
        "minMastery=1.5",
        "maxMastery=-0.1",
        "minMastery=0.8&maxMastery=0.2",
        "minMastery=high",
        "listId=abc",
        "vocabularyItemId=abc",
        "limit=0",
        "limit=101",
        "offset=-1",
        "offset=10001",
        "cursor=%%%",
    ],
)
def test_invalid_queries_are_400(ana: Learner, query: str) -> None:
    reply = ana.call("GET", "/api/progress", query=query)
    assert reply.status == 400 and reply.json["code"] == "VALIDATION_ERROR", (query, reply)


def test_the_review_that_crosses_mastery_records_when(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    lst = ana.new_list("Dominio")
    [item] = ana.save(lst["id"], ("dominar", "to master"))
    clock = Clock(datetime(2026, 4, 1, 9, tzinfo=UTC))
    service = ReviewService(clock)
    crossed = None
    for _ in range(12):
        result = service.review(
            who(ana), ReviewRequest.model_validate({"itemId": item["id"], "rating": "easy"})
        )
        [(first_mastered,)] = admin_sql(
            "SELECT first_mastered_at FROM learning_progress WHERE vocabulary_item_id = %s", [item["id"]]
        )
        if result.learning_phase == "mastered" and crossed is None:
            crossed = clock.now
        assert first_mastered == crossed  # set by the crossing review, then kept
        clock.now = result.due
    assert crossed is not None
    # a lapse takes the card out of mastery; when it was first mastered stays
    service.review(who(ana), ReviewRequest.model_validate({"itemId": item["id"], "rating": "again"}))
    assert admin_sql(
        "SELECT learning_phase::text, first_mastered_at FROM learning_progress WHERE vocabulary_item_id = %s",
        [item["id"]],
    ) == [("learning", crossed)]


def test_the_migrations_mastery_rule_is_the_review_paths(admin_sql: Callable[..., Any]) -> None:
    """0005 backfills first_mastered_at with R(30 d, S) written in SQL: it agrees with py-fsrs around 0.8."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    stabilities = [s / 100 for s in range(800, 1000, 3)] + [1.0, 5.0, 30.0, 365.0]
    rows = admin_sql(
        """SELECT s, round(power(1 + (power(0.9, 1 / d) - 1) * 30 / s, d)::numeric, 3) >= 0.8
             FROM unnest(%s::float8[]) s, (SELECT -0.1542::float8 AS d) w""",
        [stabilities],
    )
    expected = {s: mastery(default_scheduler(), s, at) >= 0.8 for s in stabilities}
    assert {s: ok for s, ok in rows} == expected
    assert any(expected.values()) and not all(expected.values())

"""Learning sessions (spec §11.6) through their Lambda handlers: start, read, list, end once, counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from describe_it.errors import ApiError
from describe_it.sessions.models import SessionPatch
from describe_it.sessions.service import SessionService
from tests.integration.progress.conftest import Learner
from tests.integration.progress.history import race, who

UNKNOWN = "3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23"


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def start(learner: Learner, **body: Any) -> dict[str, Any]:
    reply = learner.call("POST", "/api/sessions", {"sessionType": "mixed", **body})
    assert reply.status == 201, reply
    return reply.data  # type: ignore[no-any-return]


def test_start_read_and_end_a_session(ana: Learner) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    reply = ana.call(
        "POST",
        "/api/sessions",
        {"session_type": "flashcards", "deviceType": "tablet", "startedAt": iso(started),
         "session_metadata": {"source": "web", "level": 2}},
    )  # fmt: skip
    assert reply.status == 201, reply
    session = reply.data
    assert reply.headers["location"] == f"/api/sessions/{session['id']}"
    assert (session["sessionType"], session["status"], session["deviceType"]) == (
        "review",
        "active",
        "tablet",
    )
    assert session["startedAt"] == iso(started).replace("Z", ".000Z") and session["endedAt"] is None
    assert session["durationSeconds"] is None and session["accuracy"] is None
    assert session["metadata"] == {"source": "web", "level": 2}
    got = ana.call("GET", f"/api/sessions/{session['id']}")
    assert got.status == 200 and got.data == session
    ended = ana.call(
        "PATCH",
        f"/api/sessions/{session['id']}",
        {"status": "completed", "endedAt": iso(started + timedelta(seconds=75.5)), "phrasesSaved": 4,
         "metadata": {"level": 3, "score": 0.8}},
    )  # fmt: skip
    assert ended.status == 200, ended
    assert (ended.data["status"], ended.data["durationSeconds"], ended.data["phrasesSaved"]) == (
        "completed",
        75,
        4,
    )
    assert ended.data["endedAt"] == iso(started + timedelta(seconds=75.5)).replace(".500000Z", ".500Z")
    assert ended.data["metadata"] == {"source": "web", "level": 3, "score": 0.8}  # merged
    again = ana.call("PATCH", f"/api/sessions/{session['id']}", {"status": "abandoned"})
    assert again.status == 409 and again.json["details"][0]["code"] == "already_ended", again
    assert ana.call("PATCH", f"/api/sessions/{session['id']}", {"ended": True}).status == 409
    # a completed session still takes the client's phrase count and metadata
    later = ana.call("PATCH", f"/api/sessions/{session['id']}", {"phrasesSaved": 5})
    assert later.status == 200 and later.data["phrasesSaved"] == 5 and later.data["status"] == "completed"


def test_ended_true_completes_and_the_default_end_is_now(ana: Learner) -> None:
    session = start(ana, sessionType="quiz")
    assert session["sessionType"] == "qa"
    reply = ana.call("PATCH", f"/api/sessions/{session['id']}", {"ended": True})
    assert reply.status == 200 and reply.data["status"] == "completed"
    assert reply.data["durationSeconds"] >= 0 and reply.data["endedAt"] >= session["startedAt"]
    abandoned = start(ana, sessionType="writing")
    reply = ana.call("PATCH", f"/api/sessions/{abandoned['id']}", {"status": "abandoned"})
    assert reply.status == 200 and (reply.data["sessionType"], reply.data["status"]) == (
        "description",
        "abandoned",
    )


def test_counters_move_with_the_reviews_saves_and_events_that_name_the_session(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    session = start(ana, sessionType="review")
    lst = ana.new_list("Contadores")
    a, b = ana.save(lst["id"], ("uno", "one"), ("dos", "two"))
    for item, rating in ((a, "good"), (b, "again"), (a, "easy")):
        body = {"itemId": item["id"], "rating": rating, "sessionId": session["id"]}
        assert ana.call("POST", "/api/vocabulary/review", body).status == 200
    saved = ana.call(
        "POST",
        "/api/vocabulary/save",
        {"listId": lst["id"], "sessionId": session["id"],
         "vocabularyItems": [{"phrase": "tres", "translation": "three"}, {"phrase": "uno", "translation": "one"}]},
    )  # fmt: skip
    assert saved.status == 201, saved
    admin_sql(
        "UPDATE sessions SET last_activity_at = now() - interval '1 hour' WHERE id = %s", [session["id"]]
    )
    event = ana.call(
        "POST", "/api/progress/track", {"eventType": "phrase_learned", "sessionId": session["id"]}
    )
    assert event.status == 201, event
    got = ana.call("GET", f"/api/sessions/{session['id']}").data
    assert (got["reviewsCount"], got["reviewsCorrect"], got["vocabularyLearned"]) == (3, 2, 1)
    assert got["accuracy"] == 66.7  # 2 of 3, one decimal
    assert got["lastActivityAt"] > session["lastActivityAt"]  # the event marked it active, no counter moved
    assert (got["qaAttempts"], got["imagesProcessed"], got["descriptionsGenerated"]) == (0, 0, 0)


def test_another_users_session_is_not_found_on_every_route(ana: Learner, ben: Learner) -> None:
    session = start(ana)
    lst = ben.new_list("De Ben")
    [item] = ben.save(lst["id"], ("hola", "hello"))
    path = f"/api/sessions/{session['id']}"
    assert ben.call("GET", path).status == 404
    assert ben.call("PATCH", path, {"status": "completed"}).status == 404
    assert ben.call("PATCH", path, {"phrasesSaved": 3}).status == 404
    review = ben.call(
        "POST", "/api/vocabulary/review", {"itemId": item["id"], "rating": "good", "sessionId": session["id"]}
    )
    assert review.status == 404 and review.json["details"][0]["field"] == "sessionId"
    event = ben.call(
        "POST", "/api/progress/track", {"eventType": "goal_achieved", "sessionId": session["id"]}
    )
    assert event.status == 404 and event.json["details"][0]["field"] == "sessionId"
    save = ben.call("POST", "/api/vocabulary/save", {"listId": lst["id"], "sessionId": session["id"],
                                                     "vocabulary": {"phrase": "adiós", "translation": "bye"}})  # fmt: skip
    assert save.status == 404
    assert ben.call("GET", "/api/sessions").data == []
    assert ben.call("GET", "/api/progress/track", query=f"sessionId={session['id']}").data == []
    mine = ana.call("GET", path).data
    assert (mine["status"], mine["phrasesSaved"], mine["reviewsCount"]) == ("active", 0, 0)  # untouched
    assert ben.call("GET", f"/api/sessions/{UNKNOWN}").status == 404
    assert ben.call("GET", "/api/sessions/not-a-uuid").status == 404
    assert ben.call("PATCH", "/api/sessions/not-a-uuid", {"ended": True}).status == 404


def test_list_newest_first_with_filters_and_pages(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    ids = [start(ana, sessionType=t)["id"] for t in ("review", "qa", "review", "mixed", "review")]
    base = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for n, session_id in enumerate(ids):  # one a day, Mar 10 to Mar 14; two of them on the same instant
        at = base + timedelta(days=min(n, 3))
        admin_sql(
            "UPDATE sessions SET started_at = %s, last_activity_at = %s WHERE id = %s", [at, at, session_id]
        )
    assert ana.call("PATCH", f"/api/sessions/{ids[0]}", {"status": "completed"}).status == 200
    listed = ana.call("GET", "/api/sessions").data
    expected = [ids[3], ids[4], ids[2], ids[1], ids[0]]  # newest first; ties by id
    tied = sorted([ids[3], ids[4]], reverse=True)
    assert [s["id"] for s in listed] == tied + expected[2:]
    first = ana.call("GET", "/api/sessions", query="limit=2")
    assert [s["id"] for s in first.data] == tied and first.json["pagination"]["hasMore"] is True
    rest = ana.call("GET", "/api/sessions", query=f"limit=2&cursor={first.json['pagination']['nextCursor']}")
    assert [s["id"] for s in rest.data] == expected[2:4]
    assert [s["id"] for s in ana.call("GET", "/api/sessions", query="sessionType=flashcards").data] == [
        i for i in tied + expected[2:] if i in (ids[0], ids[2], ids[4])
    ]
    assert [s["id"] for s in ana.call("GET", "/api/sessions", query="status=completed").data] == [ids[0]]
    window = ana.call("GET", "/api/sessions", query="from=2026-03-11&to=2026-03-12").data
    assert [s["id"] for s in window] == [ids[2], ids[1]]
    stamp = ana.call("GET", "/api/sessions", query="dateFrom=2026-03-13T12:00:00Z").data
    assert [s["id"] for s in stamp] == tied


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "sessionType"),
        ({"sessionType": "karaoke"}, "sessionType"),
        ({"sessionType": 3}, "sessionType"),
        ({"sessionType": "qa", "deviceType": "watch"}, "deviceType"),
        ({"sessionType": "qa", "startedAt": "2026-01-01T10:00:00"}, None),
        ({"sessionType": "qa", "startedAt": "yesterday"}, "startedAt"),
        ({"sessionType": "qa", "metadata": []}, "metadata"),
        ({"sessionType": "qa", "metadata": {"notes": "x" * 8200}}, "metadata"),
    ],
)
def test_invalid_starts_are_400(ana: Learner, body: dict[str, Any], field: str | None) -> None:
    reply = ana.call("POST", "/api/sessions", body)
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"
    if field is not None:
        assert reply.json["details"][0]["field"] == field, reply


def test_start_and_end_times_are_bounded(ana: Learner) -> None:
    now = datetime.now(UTC)
    for started, code in (
        (now - timedelta(hours=25), "too_small"),
        (now + timedelta(minutes=5), "too_large"),
    ):
        reply = ana.call("POST", "/api/sessions", {"sessionType": "qa", "startedAt": iso(started)})
        assert reply.status == 400 and reply.json["details"][0] == {
            "field": "startedAt", "code": code, "message": reply.json["details"][0]["message"],
        }, reply  # fmt: skip
    session = start(ana, startedAt=iso(now - timedelta(hours=1)))
    path = f"/api/sessions/{session['id']}"
    for body, field in (
        ({"status": "completed", "endedAt": iso(now - timedelta(hours=2))}, "endedAt"),
        ({"status": "completed", "endedAt": iso(now + timedelta(minutes=5))}, "endedAt"),
        ({"endedAt": iso(now)}, "endedAt"),
        ({"status": "active"}, "status"),
        ({"status": "completed", "endedAt": "2026-01-01T10:00:00"}, None),
        ({"ended": "yes"}, "ended"),
        ({"phrasesSaved": -1}, "phrasesSaved"),
        ({"phrasesSaved": 1_000_001}, "phrasesSaved"),
        ({"phrasesSaved": "many"}, "phrasesSaved"),
    ):
        reply = ana.call("PATCH", path, body)
        assert reply.status == 400, (body, reply)
        if field:
            assert reply.json["details"][0]["field"] == field, (body, reply)
    assert ana.call("GET", path).data["status"] == "active"
    for query in ("status=done", "sessionType=karaoke", "from=03/10/2026", "from=2026-03-12&to=2026-03-11",
                  "limit=0", "limit=101", "cursor=abc", "to=2026-03-10T10:00:00"):  # fmt: skip
        assert ana.call("GET", "/api/sessions", query=query).status == 400, query


def test_a_repeated_start_with_one_idempotency_key_is_one_session(ana: Learner) -> None:
    headers = {"Idempotency-Key": "session-7c61-4a5e-9f08"}
    first = ana.call("POST", "/api/sessions", {"sessionType": "qa"}, headers=headers)
    second = ana.call("POST", "/api/sessions", {"sessionType": "qa"}, headers=headers)
    assert first.status == second.status == 201
    assert second.headers.get("idempotent-replayed") == "true" and second.data["id"] == first.data["id"]
    assert second.headers["location"] == first.headers["location"]
    assert len(ana.call("GET", "/api/sessions").data) == 1


def test_two_concurrent_ends_one_wins_and_the_other_is_409(ana: Learner) -> None:
    service = SessionService()
    for _ in range(20):
        session_id = UUID(start(ana)["id"])
        patches = iter([SessionPatch.model_validate({"status": s}) for s in ("completed", "abandoned")])

        def end(sid: UUID = session_id, patches: Any = patches) -> str:
            return service.update(who(ana), sid, next(patches)).status

        outcomes = race(2, end)
        won = [o for o in outcomes if isinstance(o, str)]
        lost = [o for o in outcomes if isinstance(o, ApiError)]
        assert len(won) == 1 and [e.status for e in lost] == [409], outcomes
        assert ana.call("GET", f"/api/sessions/{session_id}").data["status"] == won[0]

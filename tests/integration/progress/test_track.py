"""Learning events (spec §11.2): stored once per clientEventId, never without consent, on the user's day;
listed newest first, or counted per local day, ISO week or month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from describe_it.progress.params import Range
from describe_it.progress.track_models import TrackRequest
from describe_it.progress.track_repository import EventFilter
from describe_it.progress.track_service import TrackService
from tests.integration.progress.conftest import Learner
from tests.integration.progress.history import Clock, race, who


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def stored(admin_sql: Callable[..., Any], learner: Learner) -> int:
    return int(admin_sql("SELECT count(*) FROM user_interactions WHERE user_id = %s", [learner.id])[0][0])


def test_an_event_is_stored_on_the_users_day(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    kiri = make_learner("kiri", time_zone="Pacific/Auckland")
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    reply = kiri.call(
        "POST",
        "/api/progress/track",
        {"eventType": "phrase_learned", "timestamp": int(at.timestamp() * 1000), "clientEventId": "evt-1",
         "eventData": {"phraseId": "p-17", "score": 0.75, "timeSpent": 12.5, "attempts": 2, "correct": True,
                       "category": "Saludos", "difficulty": "facil", "tags": ["viaje"], "metadata": {"screen": 3},
                       "unknownMember": "dropped"}},
    )  # fmt: skip
    assert reply.status == 201, reply
    event = reply.data
    assert (event["eventType"], event["occurredAt"], event["sessionId"], event["stored"]) == (
        "phrase_learned", iso(at).replace("Z", ".000Z"), None, True,
    )  # fmt: skip
    assert event["localDate"] == str(at.astimezone(ZoneInfo("Pacific/Auckland")).date())
    assert event["eventData"] == {
        "phraseId": "p-17", "score": 0.75, "timeSpent": 12.5, "attempts": 2, "correct": True, "category": "Saludos",
        "difficulty": "facil", "tags": ["viaje"], "metadata": {"screen": 3},
    }  # fmt: skip
    [row] = admin_sql(
        """SELECT category, difficulty, score::float8, correct, time_spent_ms, local_date::text FROM user_interactions
            WHERE user_id = %s""",
        [kiri.id],
    )
    assert row == ("Saludos", "facil", 0.75, True, 12_500, event["localDate"])
    iso_reply = kiri.call("POST", "/api/progress/track", {"eventType": "goal_achieved", "timestamp": iso(at)})
    assert iso_reply.status == 201 and iso_reply.data["occurredAt"] == event["occurredAt"]
    digits = kiri.call(
        "POST",
        "/api/progress/track",
        {"eventType": "goal_achieved", "timestamp": str(int(at.timestamp() * 1000))},
    )
    assert digits.status == 201 and digits.data["occurredAt"] == event["occurredAt"]


def test_a_repeated_client_event_id_answers_the_stored_event(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    body = {"eventType": "translation_completed", "clientEventId": "tr-0001", "eventData": {"score": 1}}
    first = ana.call("POST", "/api/progress/track", body)
    again = ana.call("POST", "/api/progress/track", {**body, "eventData": {"score": 0}})
    assert (first.status, again.status) == (201, 200)
    assert again.data == first.data  # the stored event, not the second body
    assert stored(admin_sql, ana) == 1
    headers = {"Idempotency-Key": "track-5f0e-4c1e-9d2f"}
    replies = [
        ana.call("POST", "/api/progress/track", {"eventType": "goal_achieved"}, headers=headers)
        for _ in range(2)
    ]
    assert [r.status for r in replies] == [201, 201] and replies[1].headers.get(
        "idempotent-replayed"
    ) == "true"
    assert stored(admin_sql, ana) == 2


def test_concurrent_repeats_of_a_client_event_id_store_one_event(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    service = TrackService()
    for round_ in range(20):
        body = TrackRequest.model_validate(
            {"eventType": "phrase_reviewed", "clientEventId": f"race-{round_}"}
        )
        results = race(4, lambda body=body: service.track(who(ana), body))
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sorted(created for _, created in results) == [False, False, False, True]
        assert len({event.id for event, _ in results}) == 1
    assert stored(admin_sql, ana) == 20


def test_nothing_is_stored_without_consent(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    assert ana.call("PUT", "/api/settings", {"settings": {"privacy": {"saveProgress": False}}}).status == 200
    reply = ana.call("POST", "/api/progress/track", {"eventType": "phrase_learned", "clientEventId": "no-1"})
    assert reply.status == 200 and reply.data == {"stored": False}, reply
    assert stored(admin_sql, ana) == 0
    assert ana.call("POST", "/api/progress/track", {"eventType": "nope"}).status == 400  # still validated
    assert ana.call("PUT", "/api/settings", {"settings": {"privacy": {"saveProgress": True}}}).status == 200
    assert (
        ana.call(
            "POST", "/api/progress/track", {"eventType": "phrase_learned", "clientEventId": "no-1"}
        ).status
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "eventType"),
        ({"eventType": "page_view"}, "eventType"),
        ({"eventType": "goal_achieved", "eventData": []}, "eventData"),
        ({"eventType": "goal_achieved", "eventData": {"score": 1.5}}, "eventData.score"),
        ({"eventType": "goal_achieved", "eventData": {"score": True}}, "eventData.score"),
        ({"eventType": "goal_achieved", "eventData": {"confidence": -0.1}}, "eventData.confidence"),
        ({"eventType": "goal_achieved", "eventData": {"masteryLevel": 2}}, "eventData.masteryLevel"),
        ({"eventType": "goal_achieved", "eventData": {"timeSpent": 86_401}}, "eventData.timeSpent"),
        ({"eventType": "goal_achieved", "eventData": {"attempts": 0}}, "eventData.attempts"),
        ({"eventType": "goal_achieved", "eventData": {"streak": -1}}, "eventData.streak"),
        ({"eventType": "goal_achieved", "eventData": {"correct": "yes"}}, "eventData.correct"),
        ({"eventType": "goal_achieved", "eventData": {"vocabularyId": "abc"}}, "eventData.vocabularyId"),
        (
            {"eventType": "goal_achieved", "eventData": {"imageUrl": "http://x.example/a.jpg"}},
            "eventData.imageUrl",
        ),
        ({"eventType": "goal_achieved", "eventData": {"tags": ["t"] * 21}}, "eventData.tags"),
        (
            {"eventType": "goal_achieved", "eventData": {"category": "<script>x</script>"}},
            "eventData.category",
        ),
        ({"eventType": "goal_achieved", "eventData": {"difficulty": "d" * 51}}, "eventData.difficulty"),
        ({"eventType": "goal_achieved", "eventData": {"metadata": {"x": "y" * 8200}}}, "eventData.metadata"),
        (
            {
                "eventType": "goal_achieved",
                "eventData": {
                    "metadata": {"x": "y" * 7000},
                    "tags": ["z" * 40] * 20,
                    "phraseId": "p" * 128,
                    "category": "c" * 100,
                },
            },
            None,
        ),
        ({"eventType": "goal_achieved", "clientEventId": "c" * 129}, "clientEventId"),
        ({"eventType": "goal_achieved", "clientEventId": ""}, "clientEventId"),
        ({"eventType": "goal_achieved", "sessionId": "not-a-uuid"}, "sessionId"),
        ({"eventType": "goal_achieved", "timestamp": "2026-01-01T10:00:00"}, None),
        ({"eventType": "goal_achieved", "timestamp": True}, "timestamp"),
        ({"eventType": "goal_achieved", "timestamp": "last week"}, "timestamp"),
        ({"eventType": "goal_achieved", "timestamp": 10**20}, "timestamp"),
    ],
)
def test_invalid_events_are_400(
    ana: Learner, admin_sql: Callable[..., Any], body: dict[str, Any], field: str | None
) -> None:
    reply = ana.call("POST", "/api/progress/track", body)
    assert reply.status == 400, reply
    if field is not None:
        assert reply.json["details"][0]["field"] == field, reply
    assert stored(admin_sql, ana) == 0


def test_timestamps_are_bounded(ana: Learner) -> None:
    now = datetime.now(UTC)
    for at, code in ((now + timedelta(minutes=6), "too_large"), (now - timedelta(days=31), "too_small")):
        reply = ana.call("POST", "/api/progress/track", {"eventType": "goal_achieved", "timestamp": iso(at)})
        assert reply.status == 400 and reply.json["details"][0]["field"] == "timestamp", reply
        assert reply.json["details"][0]["code"] == code
    for at in (now + timedelta(minutes=4), now - timedelta(days=29)):
        assert (
            ana.call(
                "POST", "/api/progress/track", {"eventType": "goal_achieved", "timestamp": iso(at)}
            ).status
            == 201
        )


def test_events_newest_first_with_filters_and_pages(ana: Learner) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    session = ana.call("POST", "/api/sessions", {"sessionType": "qa"}).data["id"]
    sent = [
        ("qa_correct", 5, {"category": "Gramática", "difficulty": "medio"}, session),
        ("qa_incorrect", 4, {"category": "gramática"}, session),
        ("phrase_learned", 3, {"difficulty": "dificil"}, None),
        ("goal_achieved", 2, {}, None),
        ("qa_correct", 1, {}, None),
    ]
    ids = []
    for event_type, hours, data, sid in sent:
        body = {
            "eventType": event_type,
            "timestamp": iso(now - timedelta(hours=hours)),
            "eventData": data,
            "sessionId": sid,
        }
        ids.append(ana.call("POST", "/api/progress/track", body).data["id"])
    listed = ana.call("GET", "/api/progress/track")
    assert [e["id"] for e in listed.data] == ids[::-1] and listed.json["pagination"]["total"] is None
    page = ana.call("GET", "/api/progress/track", query="limit=2")
    rest = ana.call(
        "GET", "/api/progress/track", query=f"limit=2&cursor={page.json['pagination']['nextCursor']}"
    )
    assert [e["id"] for e in page.data + rest.data] == ids[::-1][:4]

    def found(query: str) -> list[str]:
        reply = ana.call("GET", "/api/progress/track", query=query)
        assert reply.status == 200, reply
        return [e["id"] for e in reply.data]

    assert found("eventType=qa_correct") == [ids[4], ids[0]]
    assert found("eventType=qa_correct,goal_achieved") == [ids[4], ids[3], ids[0]]
    assert found("eventType=qa_correct&eventType=phrase_learned") == [ids[4], ids[2], ids[0]]
    assert found("category=gram%C3%A1tica") == [ids[1], ids[0]]
    assert found("difficulty=dificil") == [ids[2]]
    assert found(f"sessionId={session}") == [ids[1], ids[0]]
    assert found(f"from={iso(now - timedelta(hours=3))}&to={iso(now - timedelta(hours=2))}") == [
        ids[3],
        ids[2],
    ]
    for bad in ("eventType=page_view", "eventType=qa_correct,,nope", "from=yesterday", "to=2026-13-01",
                "sessionId=abc", "aggregation=yearly", "limit=500", "offset=10001", "cursor=x&offset=1"):  # fmt: skip
        assert ana.call("GET", "/api/progress/track", query=bad).status == 400, bad


def test_weekly_buckets_are_iso_weeks_starting_monday_in_the_users_zone(
    make_learner: Callable[..., Learner],
) -> None:
    lola = make_learner("lola", time_zone="America/Los_Angeles")
    clock = Clock(datetime(2026, 1, 2, 20, tzinfo=UTC))  # Friday Jan 2, 12:00 in Los Angeles
    service = TrackService(clock)

    def track(event_type: str, at: datetime, **data: Any) -> None:
        service.track(
            who(lola),
            TrackRequest.model_validate({"eventType": event_type, "timestamp": iso(at), "eventData": data}),
        )

    track(
        "phrase_learned", datetime(2025, 12, 29, 5, tzinfo=UTC), score=0.5
    )  # Sun Dec 28, 21:00 local: 2025-W52
    track(
        "phrase_learned", datetime(2025, 12, 29, 9, tzinfo=UTC), score=1, timeSpent=30
    )  # Mon Dec 29: 2026-W01
    track("goal_achieved", datetime(2026, 1, 1, 18, tzinfo=UTC), timeSpent=1.5)  # Thu Jan 1: 2026-W01
    track("qa_correct", datetime(2025, 12, 8, 18, tzinfo=UTC))  # Mon Dec 8: 2025-W50
    weekly = service.aggregate(who(lola), "weekly", EventFilter(), Range(None, None)).model_dump(
        mode="json", by_alias=True
    )
    assert weekly["aggregation"] == "weekly" and weekly["timeZone"] == "America/Los_Angeles"
    buckets = weekly["buckets"]
    assert len(buckets) == 30 and buckets[-1]["period"] == "2026-W01" and buckets[-1]["start"] == "2025-12-29"
    assert [(b["period"], b["start"]) for b in buckets[-4:-1]] == [
        ("2025-W50", "2025-12-08"), ("2025-W51", "2025-12-15"), ("2025-W52", "2025-12-22"),
    ]  # fmt: skip
    assert all(datetime.fromisoformat(b["start"]).weekday() == 0 for b in buckets)  # Mondays
    assert buckets[-1] == {
        "period": "2026-W01", "start": "2025-12-29", "events": 2, "byType": {"phrase_learned": 1, "goal_achieved": 1},
        "averageScore": 1.0, "timeSpentMs": 31_500,
    }  # fmt: skip
    assert buckets[-2] == {
        "period": "2025-W52", "start": "2025-12-22", "events": 1, "byType": {"phrase_learned": 1},
        "averageScore": 0.5, "timeSpentMs": 0,
    }  # fmt: skip
    assert buckets[-3]["events"] == 0 and buckets[-3]["byType"] == {} and buckets[-3]["averageScore"] is None
    assert weekly["totals"] == {
        "events": 4,
        "byType": {"phrase_learned": 2, "goal_achieved": 1, "qa_correct": 1},
    }

    daily = service.aggregate(who(lola), "daily", EventFilter(), Range(None, None))
    assert len(daily.buckets) == 30 and daily.buckets[-1].period == "2026-01-02"
    assert [(b.period, b.events) for b in daily.buckets if b.events] == [
        ("2025-12-08", 1), ("2025-12-28", 1), ("2025-12-29", 1), ("2026-01-01", 1),
    ]  # fmt: skip
    monthly = service.aggregate(
        who(lola), "monthly", EventFilter(event_types=["phrase_learned"]), Range(None, None)
    )
    assert len(monthly.buckets) == 30 and monthly.buckets[0].period == "2023-08"
    assert [(b.period, b.events) for b in monthly.buckets[-2:]] == [("2025-12", 2), ("2026-01", 0)]
    from datetime import date

    ranged = service.aggregate(
        who(lola), "weekly", EventFilter(), Range(date(2025, 12, 10), date(2025, 12, 31))
    )
    assert [(b.period, b.events) for b in ranged.buckets] == [
        ("2025-W50", 0), ("2025-W51", 0), ("2025-W52", 1), ("2026-W01", 1),
    ]  # fmt: skip  # Dec 8 is before the range; Jan 1 after it
    assert ranged.totals.events == 2


def test_the_aggregation_route(ana: Learner) -> None:
    assert ana.call("POST", "/api/progress/track", {"eventType": "goal_achieved"}).status == 201
    reply = ana.call("GET", "/api/progress/track", query="aggregation=monthly")
    assert reply.status == 200 and "pagination" not in reply.json, reply
    assert reply.data["buckets"][-1]["events"] == 1 and reply.data["totals"]["events"] == 1
    too_long = ana.call("GET", "/api/progress/track", query="aggregation=daily&from=2020-01-01&to=2021-06-01")
    assert too_long.status == 400 and too_long.json["details"][0]["field"] == "from", too_long

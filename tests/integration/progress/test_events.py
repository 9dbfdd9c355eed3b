"""The sample events of the progress and session functions, replayed with a real token and real ids.

The placeholder session id in the samples is replaced by a session the signed-in learner owns, so each
sample shows the answer a client would really get.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.progress.conftest import Learner
from tests.support.lambda_invoke import EVENTS, Reply, invoke

SESSION = "33333333-3333-4333-8333-333333333333"
FOLDERS = (
    "progress",
    "progress_track",
    "progress_stats",
    "progress_streak",
    "progress_analytics",
    "sessions",
    "session",
)
EXPECTED = {
    "progress/list": 200,
    "progress/list_invalid_sort": 400,
    "progress/list_no_token": 401,
    "progress_track/track": 201,
    "progress_track/track_invalid_type": 400,
    "progress_track/events": 200,
    "progress_track/weekly": 200,
    "progress_track/weekly_invalid_aggregation": 400,
    "progress_stats/stats": 200,
    "progress_stats/stats_no_token": 401,
    "progress_streak/streak": 200,
    "progress_streak/streak_invalid_days": 400,
    "progress_analytics/analytics": 200,
    "progress_analytics/analytics_invalid_period": 400,
    "sessions/start": 201,
    "sessions/start_invalid_type": 400,
    "sessions/list": 200,
    "session/get": 200,
    "session/end": 200,
    "session/get_unknown": 404,
    "session/end_invalid_status": 400,
}
CASES = sorted(
    f"{path.parent.name}/{path.stem}" for folder in FOLDERS for path in (EVENTS / folder).glob("*.json")
)


def test_every_sample_event_has_an_expectation() -> None:
    assert set(CASES) == set(EXPECTED)


def replay(case: str, token: str, session_id: str) -> Reply:
    folder, name = case.split("/")
    text = (EVENTS / folder / f"{name}.json").read_text()
    text = text.replace("Bearer PLACEHOLDER", f"Bearer {token}").replace(SESSION, session_id)
    return invoke(folder, json.loads(text))


@pytest.mark.parametrize("case", CASES)
def test_sample_event(case: str, ana: Learner) -> None:
    session = ana.call("POST", "/api/sessions", {"sessionType": "review"})
    assert session.status == 201, session
    reply = replay(case, ana.token, session.data["id"])
    assert reply.status == EXPECTED[case], reply
    if case == "session/end":
        assert reply.data["status"] == "completed" and reply.data["phrasesSaved"] == 3
    if case == "progress_track/weekly":
        assert len(reply.data["buckets"]) == 30 and reply.data["buckets"][-1]["period"].count("-W") == 1

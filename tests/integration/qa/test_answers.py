"""/api/qa/responses (spec §6.3): grading, storage, session counters in the same transaction, pages."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.integration.descriptions.conftest import Learner, body
from tests.support.lambda_invoke import Reply, load_function

PATH = "/api/qa/responses"
QUESTION = {"question": "¿De qué color es la casa?", "correctAnswer": "La casa es roja"}


def session_of(admin_sql: Callable[..., Any], user: UUID) -> str:
    [(session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'qa') RETURNING id", [user]
    )
    return str(session)


def counters(admin_sql: Callable[..., Any], session: str) -> tuple[int, int, datetime]:
    [row] = admin_sql(
        "SELECT qa_attempts, qa_correct, last_activity_at FROM sessions WHERE id = %s", [session]
    )
    return row  # type: ignore[no-any-return]


def stored(admin_sql: Callable[..., Any], user: UUID) -> int:
    [(n,)] = admin_sql("SELECT count(*) FROM qa_responses WHERE user_id = %s", [user])
    return int(n)


def test_an_answer_is_graded_stored_and_returned(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    question_id = str(uuid.uuid4())
    reply = ana.call(
        "POST", PATH,
        {**QUESTION, "userAnswer": "  la CASA es Roja! ", "questionId": question_id, "difficulty": "Fácil",
         "category": "comprension", "language": "es", "responseTimeMs": "5200", "hintUsed": True, "attempts": 2},
    )  # fmt: skip
    assert reply.status == 201, reply
    answer = reply.data
    assert answer["isCorrect"] is True and answer["similarityScore"] == 1.0
    assert answer["userAnswer"] == "la CASA es Roja!"  # trimmed, kept as typed
    assert answer["questionId"] == question_id and answer["difficulty"] == "facil"
    assert answer["category"] == "Comprensión" and answer["responseTimeMs"] == 5200
    assert answer["hintUsed"] is True and answer["attempts"] == 2 and answer["language"] == "es"
    assert answer["sessionId"] is None and answer["options"] is None and answer["answeredAt"].endswith("Z")
    [(correct, score, attempts)] = admin_sql(
        "SELECT is_correct, similarity_score, attempts_count FROM qa_responses WHERE id = %s", [answer["id"]]
    )
    assert (correct, float(score), attempts) == (True, 1.0, 2)
    assert ana.call("GET", PATH).data == [answer]


@pytest.mark.parametrize(
    ("fields", "correct", "score"),
    [
        ({"options": ["azul", "roja", "verde"], "selectedIndex": 1, "correctIndex": 1}, True, None),
        ({"options": ["azul", "roja", "verde"], "selectedIndex": 0, "correctIndex": 1, "isCorrect": True}, False, None),
        ({"selectedIndex": 3, "isCorrect": True}, True, None),
        ({"userAnswer": "La casa es roja", "isCorrect": False}, False, None),
        ({"userAnswer": "la casa es"}, False, 0.75),  # 3 of 4 words
        ({"userAnswer": "la casa es roja hoy"}, True, 0.8),  # 4 of 5: the boundary is correct
        ({"userAnswer": "la casa es muy roja hoy"}, False, 0.667),  # 4 of 6, rounded to 3 decimals
        ({"options": ["Es azul", "la casa es ROJA"], "selectedIndex": 1}, True, 1.0),
    ],
)  # fmt: skip
def test_the_correctness_rules_through_the_route(
    ana: Learner, fields: dict[str, Any], correct: bool, score: float | None
) -> None:
    reply = ana.call("POST", PATH, {**QUESTION, **fields})
    assert reply.status == 201, reply
    assert (reply.data["isCorrect"], reply.data["similarityScore"]) == (correct, score)


def test_session_counters_move_with_the_answers(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = session_of(admin_sql, ana.id)
    _, _, before = counters(admin_sql, session)
    for answer in ("La casa es roja", "azul", "la casa es roja"):
        assert ana.call("POST", PATH, {**QUESTION, "userAnswer": answer, "sessionId": session}).status == 201
    attempts, correct, activity = counters(admin_sql, session)
    assert (attempts, correct) == (3, 2)
    assert activity >= before
    # an answer dated in the past never moves the activity back
    old = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert (
        ana.call(
            "POST", PATH, {**QUESTION, "userAnswer": "x", "sessionId": session, "answeredAt": old}
        ).status
        == 201
    )
    assert counters(admin_sql, session)[2] >= activity
    listed = ana.call("GET", PATH, query=f"sessionId={session}").data
    assert len(listed) == 4 and listed[-1]["answeredAt"].startswith(old[:10])


def test_concurrent_answers_of_one_session_all_count(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = session_of(admin_sql, ana.id)
    n = 6
    load_function("qa_responses")  # imported once before the threads (importing is not thread-safe)
    start = threading.Barrier(n, timeout=30)

    def post(i: int) -> Reply:
        loop = asyncio.new_event_loop()  # Mangum drives the app on the thread's event loop
        asyncio.set_event_loop(loop)
        try:
            start.wait()
            answer = "La casa es roja" if i % 2 else "no sé"
            return ana.call("POST", PATH, {**QUESTION, "userAnswer": answer, "sessionId": session})
        finally:
            loop.close()

    with ThreadPoolExecutor(n) as pool:
        replies = list(pool.map(post, range(n)))
    assert [r.status for r in replies] == [201] * n, replies
    assert counters(admin_sql, session)[:2] == (n, n // 2)
    assert stored(admin_sql, ana.id) == n


def test_unknown_or_foreign_session_description_or_image_is_404_and_nothing_moves(
    ana: Learner, ben: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    theirs = session_of(admin_sql, ben.id)
    [(private,)] = admin_sql(
        """INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,
                                           word_count_english, word_count_spanish)
           VALUES (%s, %s, 'narrativo', 'A house.', 'Una casa.', 2, 2) RETURNING id""",
        [ben.id, image_id],
    )
    unknown = str(uuid.uuid4())
    for field, value in (
        ("sessionId", unknown), ("sessionId", theirs), ("descriptionId", unknown),
        ("descriptionId", str(private)), ("imageId", unknown),
    ):  # fmt: skip
        reply = ana.call("POST", PATH, {**QUESTION, "userAnswer": "roja", field: value})
        assert reply.status == 404, (field, reply)
        assert reply.json.get("details", [{}])[0].get("field") == field, (field, reply)
    assert stored(admin_sql, ana.id) == 0
    assert counters(admin_sql, theirs)[:2] == (0, 0)
    # own session, a public description of someone else, a catalogue image: fine
    admin_sql("UPDATE saved_descriptions SET is_public = true WHERE id = %s", [private])
    mine = session_of(admin_sql, ana.id)
    reply = ana.call(
        "POST", PATH,
        {**QUESTION, "userAnswer": "roja", "sessionId": mine, "descriptionId": str(private), "imageId": image_id},
    )  # fmt: skip
    assert reply.status == 201, reply
    assert (reply.data["sessionId"], reply.data["descriptionId"], reply.data["imageId"]) == (
        mine,
        str(private),
        image_id,
    )


def test_another_learners_answers_are_never_visible(ana: Learner, ben: Learner) -> None:
    assert ana.call("POST", PATH, {**QUESTION, "userAnswer": "roja"}).status == 201
    assert ben.call("GET", PATH).data == []
    assert ben.call("GET", PATH, query="isCorrect=false").data == []


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [({"question": ""}, "question", "too_short"),
     ({"question": "q" * 2001}, "question", "too_long"),
     ({"correctAnswer": None, "answer": "roja"}, None, None),  # the alias
     ({"correctAnswer": "a" * 5001}, "correctAnswer", "too_long"),
     ({"userAnswer": "u" * 5001}, "userAnswer", "too_long"),
     ({"userAnswer": "<iframe src=x>"}, "userAnswer", "unsafe_content"),
     ({"userAnswer": None}, None, "invalid_format"),  # neither userAnswer nor selectedIndex
     ({"options": ["solo una"], "selectedIndex": 0}, "options", "too_short"),
     ({"options": [f"o{i}" for i in range(7)], "selectedIndex": 0}, "options", "too_long"),
     ({"options": ["a", "b"], "selectedIndex": 2}, "selectedIndex", "too_large"),  # outside the options
     ({"options": ["a", "b"], "selectedIndex": 0, "correctIndex": 5}, "correctIndex", "too_large"),
     ({"selectedIndex": 6}, "selectedIndex", "too_large"),
     ({"correctIndex": -1}, "correctIndex", "too_small"),
     ({"difficulty": "extremo"}, "difficulty", "invalid_enum"),
     ({"category": "Historia"}, "category", "invalid_enum"),
     ({"language": "fr"}, "language", "invalid_enum"),
     ({"responseTimeMs": 3_600_001}, "responseTimeMs", "too_large"),
     ({"responseTimeMs": -1}, "responseTimeMs", "too_small"),
     ({"attempts": 0}, "attempts", "too_small"),
     ({"hintUsed": "yes"}, "hintUsed", "invalid_type"),
     ({"isCorrect": 1}, "isCorrect", "invalid_type"),
     ({"questionId": "q-1"}, "questionId", "invalid_format"),
     ({"answeredAt": "2026-01-01T10:00:00"}, "answeredAt", "invalid_format"),  # no offset
     ({"answeredAt": "soon"}, "answeredAt", "invalid_format")],
)  # fmt: skip
def test_bounds_are_400_never_500(
    ana: Learner, admin_sql: Callable[..., Any], fields: dict[str, Any], field: str | None, code: str | None
) -> None:
    payload = {k: v for k, v in {**QUESTION, "userAnswer": "roja", **fields}.items() if v is not None}
    reply = ana.call("POST", PATH, payload)
    if code is None:
        assert reply.status == 201, reply
        return
    assert reply.status == 400, reply
    assert (reply.json["details"][0]["field"], reply.json["details"][0]["code"]) == (field, code), reply
    assert stored(admin_sql, ana.id) == 0


@pytest.mark.parametrize(
    ("shift", "code"), [(timedelta(seconds=90), "too_large"), (timedelta(days=-8), "too_small")]
)
def test_answered_at_must_be_recent(ana: Learner, shift: timedelta, code: str) -> None:
    at = (datetime.now(UTC) + shift).isoformat()
    reply = ana.call("POST", PATH, {**QUESTION, "userAnswer": "roja", "answeredAt": at})
    assert reply.status == 400 and reply.json["details"][0] == {
        "field": "answeredAt", "message": "Out of range", "code": code
    }, reply  # fmt: skip


def test_nothing_to_grade_is_400(ana: Learner) -> None:
    reply = ana.call("POST", PATH, {**QUESTION, "selectedIndex": 1})
    assert reply.status == 400 and "correctIndex" in reply.json["error"], reply


def test_idempotent_post_records_one_answer(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    session = session_of(admin_sql, ana.id)
    payload = {**QUESTION, "userAnswer": "la casa es roja", "sessionId": session}
    key = {"Idempotency-Key": f"answer-{uuid.uuid4()}"}
    first = ana.call("POST", PATH, payload, headers=key)
    again = ana.call("POST", PATH, payload, headers=key)
    assert first.status == again.status == 201
    assert again.headers["idempotent-replayed"] == "true" and again.data == first.data
    assert stored(admin_sql, ana.id) == 1 and counters(admin_sql, session)[:2] == (1, 1)
    other = ana.call("POST", PATH, {**payload, "userAnswer": "azul"}, headers=key)
    assert other.status == 409 and other.json["details"][0]["code"] == "idempotency_key_reused"


def test_filters_newest_first_and_cursor(ana: Learner, image_id: str, admin_sql: Callable[..., Any]) -> None:
    session = session_of(admin_sql, ana.id)
    description = ana.call("POST", "/api/descriptions/saved", body(image_id)).data["id"]
    now = datetime.now(UTC)
    made = []
    for i, extra in enumerate([
        {"difficulty": "facil", "category": "Vocabulario", "sessionId": session},
        {"difficulty": "dificil", "category": "Gramática", "imageId": image_id},
        {"difficulty": "facil", "descriptionId": description, "userAnswer": "nada"},
        {"difficulty": "medio", "category": "Vocabulario", "sessionId": session, "userAnswer": "nada"},
        {"difficulty": "medio"},
    ]):  # fmt: skip
        at = (now - timedelta(hours=10 - i)).isoformat()
        reply = ana.call(
            "POST", PATH, {**QUESTION, "userAnswer": "la casa es roja", "answeredAt": at, **extra}
        )
        assert reply.status == 201, reply
        made.append(reply.data["id"])
    newest = made[::-1]

    def ids(query: str = "") -> list[str]:
        reply = ana.call("GET", PATH, query=query)
        assert reply.status == 200, reply
        return [a["id"] for a in reply.data]

    assert ids() == newest
    assert ids(f"sessionId={session}") == [made[3], made[0]]
    assert ids(f"imageId={image_id}") == [made[1]]
    assert ids(f"descriptionId={description}") == [made[2]]
    assert ids("difficulty=facil") == [made[2], made[0]]
    assert ids("category=gramatica") == [made[1]]
    assert ids("isCorrect=false") == [made[3], made[2]]
    assert ids("isCorrect=1&category=Vocabulario") == [made[0]]
    assert ids(f"from={(now - timedelta(hours=8, minutes=30)).isoformat().replace('+', '%2B')}") == newest[:3]
    seen, query = [], "limit=2"
    while True:
        reply = ana.call("GET", PATH, query=query)
        seen += [a["id"] for a in reply.data]
        if not reply.json["pagination"]["hasMore"]:
            break
        query = f"limit=2&cursor={reply.json['pagination']['nextCursor']}"
    assert seen == newest
    for bad in ("difficulty=x", "isCorrect=maybe", "sessionId=nope", "limit=500", "cursor=x", "from=x"):
        assert ana.call("GET", PATH, query=bad).status == 400, bad


def test_guests_may_not_answer_or_list(image_id: str) -> None:
    from tests.support.api import call

    assert call("POST", PATH, {**QUESTION, "userAnswer": "roja"}).status == 401
    assert call("GET", PATH).status == 401

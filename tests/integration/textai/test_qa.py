"""POST/GET /api/qa/generate through Mangum, Claude on the fake Messages API (spec §6.1–6.2)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.integration.textai.conftest import BEACH_ES, prompt_of
from tests.support.api import call
from tests.support.fake_anthropic import FakeAnthropic, Reply


def generate(body: dict[str, Any], **kwargs: Any) -> Any:
    return call("POST", "/api/qa/generate", body, **kwargs)


def question(
    n: int, difficulty: str = "facil", category: str = "Comprensión", **extra: Any
) -> dict[str, Any]:
    return {
        "question": f"¿Pregunta {n}?",
        "answer": f"Respuesta {n}",
        "difficulty": difficulty,
        "category": category,
        "distractors": extra.pop("distractors", [f"Mal {n}a", f"Mal {n}b", f"Mal {n}c"]),
        **extra,
    }


def questions(*items: dict[str, Any]) -> Reply:
    return Reply.json({"questions": list(items)})


def test_mixed_five_questions_are_two_two_one_and_the_prompt_asks_for_exactly_that(
    claude: FakeAnthropic,
) -> None:
    claude.enqueue(
        questions(
            question(1, "facil"),
            question(2, "medio", "Vocabulario"),
            question(3, "dificil", "Expresión"),
            question(4, "facil", "Gramática"),
            question(5, "medio", "Cultura"),
        )
    )
    reply = generate({"description": BEACH_ES, "count": 5})

    assert reply.status == 200, reply
    data = reply.data
    assert [q["difficulty"] for q in data["questions"]] == ["facil", "facil", "medio", "medio", "dificil"]
    assert all("options" not in q or q["options"] is None for q in data["questions"])
    meta = data["metadata"]
    assert (meta["count"], meta["requested"], meta["language"], meta["difficulty"]) == (5, 5, "es", "mixed")
    assert meta["byDifficulty"] == {"facil": 2, "medio": 2, "dificil": 1}
    assert meta["byCategory"] == {
        "Vocabulario": 1,
        "Gramática": 1,
        "Cultura": 1,
        "Comprensión": 1,
        "Expresión": 1,
    }
    assert (meta["provider"], meta["cached"]) == ("anthropic", False)
    (sent,) = claude.requests
    prompt = prompt_of(sent)
    assert "Write 5 question(s) in Spanish (es): 2 at difficulty facil" in prompt
    assert "2 at difficulty medio" in prompt and "1 at difficulty dificil" in prompt
    assert BEACH_ES in prompt
    assert sent.schema is not None


def test_english_questions_at_one_difficulty_are_asked_for_in_english(claude: FakeAnthropic) -> None:
    claude.enqueue(questions(*[question(n, "dificil") for n in range(3)]))
    reply = generate(
        {"descriptionText": BEACH_ES, "questionCount": "3", "language": "en", "difficulty": "dificil"}
    )
    assert reply.status == 200, reply
    assert [q["difficulty"] for q in reply.data["questions"]] == ["dificil"] * 3
    assert reply.data["metadata"]["language"] == "en"
    prompt = prompt_of(claude.requests[0])
    assert "Write 3 question(s) in English (en): 3 at difficulty dificil (CEFR C1–C2 (advanced))" in prompt
    assert "Write every question and every answer in English." in prompt


def test_extras_are_dropped(claude: FakeAnthropic) -> None:
    claude.enqueue(questions(*[question(n, "medio") for n in range(6)]))
    reply = generate({"description": BEACH_ES, "count": 2, "difficulty": "medio"})
    assert reply.status == 200, reply
    assert [q["question"] for q in reply.data["questions"]] == ["¿Pregunta 0?", "¿Pregunta 1?"]
    assert len(claude.requests) == 1


def test_options_are_the_answer_and_three_distractors_shuffled_with_the_right_index(
    claude: FakeAnthropic,
) -> None:
    claude.enqueue(questions(*[question(n, "medio") for n in range(4)]))
    reply = generate({"description": BEACH_ES, "count": 4, "difficulty": "medio", "includeOptions": True})
    assert reply.status == 200, reply
    positions = set()
    for q in reply.data["questions"]:
        assert len(q["options"]) == 4 and len(set(q["options"])) == 4
        assert q["options"][q["correctIndex"]] == q["answer"]
        assert sum(option == q["answer"] for option in q["options"]) == 1
        positions.add(q["correctIndex"])
    assert "exactly three distractors" in prompt_of(claude.requests[0])
    # The order comes from a hash of each question's id: stable, and not always first.
    again = generate({"description": BEACH_ES, "count": 4, "difficulty": "medio", "includeOptions": True})
    assert again.data["metadata"]["cached"] is True
    assert [q["options"] for q in again.data["questions"]] == [q["options"] for q in reply.data["questions"]]
    assert [q["id"] for q in again.data["questions"]] == [q["id"] for q in reply.data["questions"]]


def test_bad_questions_are_refused_and_one_completion_call_asks_for_the_missing_ones(
    claude: FakeAnthropic,
) -> None:
    claude.enqueue(
        questions(
            question(1, "facil"),
            # the answer among the distractors, and a duplicate:
            question(2, "facil", distractors=["Respuesta 2", "Mal", "mal"]),
            question(3, "facil", distractors=["Otra", "Otra", "Otra"]),  # duplicate options
            question(1, "facil"),  # the same question twice
            {**question(4, "medio"), "answer": "  "},  # no answer
            question(5, "dificil"),  # a difficulty not asked for
        ),
        questions(question(6, "facil"), question(7, "medio"), question(8, "medio")),
    )
    # 2 mixed = 1 facil + 1 medio: only question 1 passes the first answer, so medio is still missing.
    reply = generate({"description": BEACH_ES, "count": 2, "difficulty": "mixed", "includeOptions": True})

    assert reply.status == 200, reply
    assert [q["question"] for q in reply.data["questions"]] == ["¿Pregunta 1?", "¿Pregunta 7?"]
    assert [q["difficulty"] for q in reply.data["questions"]] == ["facil", "medio"]
    assert len(claude.requests) == 2
    completion = prompt_of(claude.requests[1])
    assert "Write 1 question(s) in Spanish (es): 1 at difficulty medio" in completion
    assert "at difficulty facil" not in completion
    assert "- ¿Pregunta 1?" in completion  # told what it already wrote


def test_still_short_after_the_completion_call_is_502(claude: FakeAnthropic) -> None:
    claude.enqueue(questions(question(1, "medio")), questions(question(1, "medio")))
    reply = generate({"description": BEACH_ES, "count": 2, "difficulty": "medio"})
    assert reply.status == 502, reply
    assert reply.json["code"] == "UPSTREAM_ERROR"
    assert len(claude.requests) == 2


def test_a_cached_set_is_free_and_fresh_regenerates(claude: FakeAnthropic) -> None:
    claude.enqueue(
        questions(question(1, "facil")), questions(question(2, "facil")), questions(question(3, "facil"))
    )
    body = {"description": BEACH_ES, "count": 1, "difficulty": "facil"}
    first = generate(body)
    second = generate(body)
    assert second.data["metadata"]["cached"] is True
    assert second.data["questions"] == first.data["questions"]
    assert second.headers["x-ratelimit-limit"] == "120"  # burst only: a hit is not charged
    assert len(claude.requests) == 1
    regenerated = generate({**body, "fresh": True})
    assert regenerated.data["questions"][0]["question"] == "¿Pregunta 2?"
    assert generate(body, headers={"cache-control": "no-cache"}).status == 200
    assert len(claude.requests) == 3


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Reply.server_error(), 502),
        (Reply.malformed(), 502),
        (Reply.schema_violating(), 502),
        (Reply.refusal(), 502),
        (Reply.overloaded(retry_after=30), 503),
        (Reply.rate_limited(retry_after=30), 503),
        (Reply.spend_limit(), 503),
        (Reply.invalid_key(), 502),  # the server's key: our configuration, not the caller's mistake
    ],
    ids=["500", "malformed", "schema", "refusal", "529", "429", "spend-limit", "server-key-401"],
)
def test_every_fault_of_the_model_has_its_documented_status(
    claude: FakeAnthropic, fault: Reply, status: int
) -> None:
    claude.default = fault
    reply = generate({"description": BEACH_ES, "count": 2})
    assert reply.status == status, reply
    if status == 503:
        assert "retry-after" in reply.headers
    assert "Traceback" not in reply.text


def test_a_retryable_fault_is_retried_once(claude: FakeAnthropic) -> None:
    claude.enqueue(Reply.server_error(), questions(question(1, "facil")))
    reply = generate({"description": BEACH_ES, "count": 1, "difficulty": "facil"})
    assert reply.status == 200, reply
    assert len(claude.requests) == 2


def test_a_timeout_is_504(claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    from describe_it.textai import engine

    monkeypatch.setattr(engine, "ROUTE_DEADLINE_S", 2.0)
    claude.default = Reply.hanging()
    assert generate({"description": BEACH_ES, "count": 1}).status == 504


def test_a_rejected_own_key_is_400(claude: FakeAnthropic) -> None:
    claude.default = Reply.invalid_key()
    reply = generate({"description": BEACH_ES, "userApiKey": "sk-ant-api03-" + "y" * 40})
    assert reply.status == 400, reply
    assert reply.json["details"][0] == {
        "field": "userApiKey",
        "message": "The Anthropic API key was rejected",
        "code": "api_key_rejected",
    }


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({}, "Description is required and must be a string", "description"),
        ({"description": 42}, "Description is required and must be a string", "description"),
        ({"description": "   "}, "Description is required and must be a string", "description"),
        ({"description": "x", "language": "fr"}, 'Language must be "es" or "en"', "language"),
        ({"description": "x", "count": 11}, "Count must be a number between 1 and 10", "count"),
        ({"description": "x", "count": "three"}, "Count must be a number between 1 and 10", "count"),
        (
            {"description": "x", "questionCount": 0},
            "Count must be a number between 1 and 10",
            "questionCount",
        ),
        ({"description": "x", "count": 5.5}, "Count must be a number between 1 and 10", "count"),
        (
            {"description": "x", "difficulty": "hard"},
            'Difficulty must be "facil", "medio", "dificil" or "mixed"',
            "difficulty",
        ),
    ],
)
def test_invalid_requests_get_400_with_the_legacy_messages(
    claude: FakeAnthropic, body: dict[str, Any], message: str, field: str
) -> None:
    reply = generate(body)
    assert reply.status == 400, reply
    assert (reply.json["error"], reply.json["details"][0]["field"]) == (message, field)
    assert claude.requests == []


def test_offline_mode_writes_template_questions_from_the_text(offline: None) -> None:
    reply = generate({"description": BEACH_ES, "count": 5, "includeOptions": True})
    assert reply.status == 200, reply
    data = reply.data
    assert (data["metadata"]["provider"], data["metadata"]["model"]) == ("offline", "offline")
    assert Counter(q["difficulty"] for q in data["questions"]) == {"facil": 2, "medio": 2, "dificil": 1}
    for q in data["questions"]:
        assert q["options"][q["correctIndex"]] == q["answer"]
    assert (
        generate({"description": BEACH_ES, "count": 5, "includeOptions": True}).data["questions"]
        == data["questions"]
    )
    short = generate({"description": "Un gato.", "count": 10})
    assert short.status == 400, short


def test_capabilities(stack: Any) -> None:
    reply = call("GET", "/api/qa/generate")
    assert reply.status == 200, reply
    assert reply.data["categories"] == ["Vocabulario", "Gramática", "Cultura", "Comprensión", "Expresión"]
    assert reply.data["difficulties"] == ["facil", "medio", "dificil", "mixed"]
    assert reply.headers["cache-control"] == "public, max-age=3600"

"""The sample events of the saved-description, answer and description-search functions, replayed with
a real token and a real saved description (the placeholder id is replaced by one the user owns)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.descriptions.conftest import Learner
from tests.support.lambda_invoke import EVENTS, Reply, invoke

DESCRIPTION = "33333333-3333-4333-8333-333333333333"
FOLDERS = ("descriptions_saved", "description_saved", "qa_responses", "search_descriptions")
EXPECTED = {
    "descriptions_saved/list": 200,
    "descriptions_saved/create": 201,
    "descriptions_saved/create_missing_style": 400,
    "descriptions_saved/list_no_token": 401,
    "description_saved/get": 200,
    "description_saved/get_public_without_token": 200,
    "description_saved/patch": 200,
    "description_saved/patch_invalid_rating": 400,
    "description_saved/delete": 200,
    "description_saved/get_unknown": 404,
    "description_saved/get_invalid_id": 404,
    "qa_responses/create": 201,
    "qa_responses/create_choice": 201,
    "qa_responses/create_missing_answer": 400,
    "qa_responses/list": 200,
    "qa_responses/list_no_token": 401,
    "search_descriptions/search_mine": 200,
    "search_descriptions/search_public": 200,
    "search_descriptions/search_mine_no_token": 401,
    "search_descriptions/search_invalid_long_query": 400,
}
CASES = sorted(
    f"{path.parent.name}/{path.stem}" for folder in FOLDERS for path in (EVENTS / folder).glob("*.json")
)


def test_every_sample_event_has_an_expectation() -> None:
    assert set(CASES) == set(EXPECTED)


def replay(case: str, token: str, description_id: str) -> Reply:
    folder, name = case.split("/")
    text = (EVENTS / folder / f"{name}.json").read_text()
    text = text.replace("Bearer PLACEHOLDER", f"Bearer {token}").replace(DESCRIPTION, description_id)
    return invoke(folder, json.loads(text))


@pytest.mark.parametrize("case", CASES)
def test_sample_event(case: str, ana: Learner, saved: Callable[..., dict[str, Any]]) -> None:
    row = saved(
        ana, isPublic=True, isFavorite=True,
        spanishDescription="Una casa roja junto a un árbol.", englishDescription="A red house.",
    )  # fmt: skip
    answer = {
        "question": "¿Qué hay?",
        "correctAnswer": "una casa",
        "userAnswer": "Una casa",
        "difficulty": "facil",
    }
    assert ana.call("POST", "/api/qa/responses", answer).status == 201
    reply = replay(case, ana.token, row["id"])
    assert reply.status == EXPECTED[case], reply
    if EXPECTED[case] < 300 and case.endswith(("/list", "/search_mine", "/search_public")):
        assert reply.data, reply  # the samples find what the user has

"""The sample events of the vocabulary, review and search functions, replayed with a real token and real ids.

Placeholder ids in the samples are replaced by a list and an item the signed-in user owns, so each
sample shows the answer a client would really get.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.vocabulary.conftest import Learner
from tests.support.lambda_invoke import EVENTS, Reply, invoke

LIST = "11111111-1111-4111-8111-111111111111"
ITEM = "22222222-2222-4222-8222-222222222222"
FOLDERS = (
    "vocabulary_lists", "vocabulary_list", "vocabulary_list_items", "vocabulary_save", "vocabulary_items",
    "vocabulary_item", "vocabulary_review", "search_vocabulary",
)  # fmt: skip
EXPECTED = {
    "vocabulary_lists/list": 200,
    "vocabulary_lists/create": 201,
    "vocabulary_lists/create_invalid_name": 400,
    "vocabulary_lists/list_no_token": 401,
    "vocabulary_list/get": 200,
    "vocabulary_list/patch": 200,
    "vocabulary_list/delete": 200,
    "vocabulary_list/get_unknown": 404,
    "vocabulary_list/get_invalid_id": 404,
    "vocabulary_list_items/page": 200,
    "vocabulary_list_items/page_invalid_cursor": 400,
    "vocabulary_save/save_single": 201,
    "vocabulary_save/save_bulk": 201,
    "vocabulary_save/save_missing_translation": 400,
    "vocabulary_save/get_alias": 200,
    "vocabulary_items/list": 200,
    "vocabulary_items/list_invalid_sort": 400,
    "vocabulary_item/get": 200,
    "vocabulary_item/patch": 200,
    "vocabulary_item/delete": 200,
    "vocabulary_item/get_unknown": 404,
    "vocabulary_review/queue": 200,
    "vocabulary_review/review": 200,
    "vocabulary_review/review_invalid_rating": 400,
    "vocabulary_review/review_unknown_item": 404,
    "search_vocabulary/search_mine": 200,
    "search_vocabulary/search_public": 200,
    "search_vocabulary/search_mine_no_token": 401,
    "search_vocabulary/search_invalid_long_query": 400,
}
CASES = sorted(
    f"{path.parent.name}/{path.stem}" for folder in FOLDERS for path in (EVENTS / folder).glob("*.json")
)


def test_every_sample_event_has_an_expectation():
    assert set(CASES) == set(EXPECTED)


def replay(case: str, token: str, list_id: str, item_id: str) -> Reply:
    folder, name = case.split("/")
    text = (EVENTS / folder / f"{name}.json").read_text()
    text = text.replace("Bearer PLACEHOLDER", f"Bearer {token}").replace(LIST, list_id).replace(ITEM, item_id)
    return invoke(folder, json.loads(text))


@pytest.mark.parametrize("case", CASES)
def test_sample_event(case: str, ana: Learner) -> None:
    listed = ana.new_list("Granja")
    [item] = ana.save(listed["id"], ("el caballo", "the horse"))
    reply = replay(case, ana.token, listed["id"], item["id"])
    assert reply.status == EXPECTED[case], reply
    if case == "vocabulary_save/save_bulk":
        assert reply.data["counts"] == {"requested": 4, "created": 2, "duplicates": 1, "invalid": 1}

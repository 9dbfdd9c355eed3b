"""The bench data generator's plan and rows: exact totals, determinism, and rows the schema accepts."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from bench import dataset
from bench.dataset import Scale, allocate, build_plan, card_rows

ANCHOR = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SMALL = Scale(
    users=400, heavy=2, public_lists=10, public_list_size=40, heavy_lists=3, heavy_list_size=30, owners=40,
    owner_list_size=5, progress=8_000, heavy_cards=400, logs=24_000, heavy_logs=2_000, pool=1_500,
)  # fmt: skip


@pytest.fixture(scope="module")
def plan() -> dataset.Plan:
    return build_plan(SMALL, ANCHOR)


def test_the_totals_are_exact_and_skewed(plan: dataset.Plan) -> None:
    assert sum(len(entry.item_ids) for entry in plan.lists) == SMALL.items == 780
    assert sum(plan.cards) == SMALL.progress
    assert sum(plan.logs) == SMALL.logs
    assert plan.cards[: SMALL.heavy] == [SMALL.heavy_cards] * SMALL.heavy
    assert plan.logs[: SMALL.heavy] == [SMALL.heavy_logs] * SMALL.heavy
    light = sorted(plan.cards[SMALL.heavy :])
    assert light[len(light) // 2] < SMALL.heavy_cards / 10  # the median learner is light
    assert max(light) > 5 * light[len(light) // 2]  # and a few are much heavier


def test_allocate_respects_the_caps_and_the_total() -> None:
    shares = allocate(100, [10.0, 1.0, 1.0, 1.0], [20, 50, 50, 50])
    assert sum(shares) == 100
    assert shares[0] == 20
    with pytest.raises(ValueError, match="cannot place"):
        allocate(10, [1.0, 1.0], [3, 3])


def test_the_same_seed_gives_the_same_rows(plan: dataset.Plan) -> None:
    again = build_plan(SMALL, ANCHOR)
    assert [entry.item_ids for entry in again.lists] == [entry.item_ids for entry in plan.lists]
    assert card_rows(again, 0) == card_rows(plan, 0)
    assert card_rows(again, 57) == card_rows(plan, 57)
    assert card_rows(plan, 0) != card_rows(plan, 1)


def _readable(plan: dataset.Plan, user: int) -> set[str]:
    return {str(i) for i in plan.public_items} | {str(i) for i in plan.items_of(plan.readable.get(user, []))}


@pytest.mark.parametrize("user", [0, 1, 2, 17, 42, 399])
def test_cards_and_reviews_follow_the_schema_rules(plan: dataset.Plan, user: int) -> None:
    """The CHECK constraints of learning_progress and review_logs, and one review log per repetition."""
    progress, logs = card_rows(plan, user)
    assert len(progress) == plan.cards[user]
    assert len(logs) == plan.logs[user]
    per_item: dict[str, list[list[str]]] = defaultdict(list)
    for line in logs:
        row = line.split("\t")
        assert 1 <= int(row[2]) <= 4
        assert 0 <= int(row[4]) <= 600_000
        assert row[6] in ("learning", "review", "relearning")
        if row[11] != dataset.N:
            assert 0 <= float(row[11]) <= 1
        assert float(row[13]) >= 0
        assert row[3] <= dataset.Stamp()(ANCHOR.timestamp())  # reviews happened before the anchor
        per_item[row[1]].append(row)
    readable = _readable(plan, user)
    items = set()
    for line in progress:
        row = line.split("\t")
        assert row[1] == str(plan.user_ids[user])
        items.add(row[2])
        state, step, stability, difficulty = row[3], row[4], float(row[5]), float(row[6])
        assert (state == "review") == (step == dataset.N)
        assert stability > 0
        assert 1 <= difficulty <= 10
        reps, lapses, correct, incorrect, streak = (int(v) for v in row[9:14])
        assert correct + incorrect == reps
        assert min(reps, lapses, correct, incorrect, streak) >= 0
        assert 0 <= float(row[14]) <= 1
        assert row[7] >= row[8]  # due after the last review
        reviews = per_item[row[2]]
        assert len(reviews) == reps
        assert [r[3] for r in reviews] == sorted(r[3] for r in reviews)
        assert reviews[-1][3] == row[8]  # the last log is the card's last review
        assert reviews[-1][6] == state
        assert reviews[0][5] == dataset.N  # a new card before its first review
    assert len(items) == len(progress)  # one card per (user, item)
    assert items <= readable  # only items the learner can read


def test_the_word_pool_is_distinct_and_starts_with_real_words() -> None:
    pool = dataset.word_pool(3_000, random.Random("test"))
    assert len({w.spanish for w in pool}) == 3_000
    assert pool[0].spanish == "casa"
    assert all(w.spanish == w.spanish.strip() and 1 <= len(w.spanish) <= 500 for w in pool)


def test_chunks_cover_every_user_once(plan: dataset.Plan) -> None:
    chunks = dataset.card_chunks(plan, rows_per_chunk=5_000)
    assert [u for chunk in chunks for u in chunk] == list(range(SMALL.users))
    assert len(chunks) > 3


@pytest.mark.parametrize("user", [0, 17, 399])
def test_activity_rows_follow_the_schema_rules(plan: dataset.Plan, user: int) -> None:
    rows = dataset.activity_rows(plan, user, "Europe/Madrid")
    assert rows["sessions"]
    for line in rows["sessions"]:
        f = line.split("\t")
        assert f[3] <= f[4]  # ended after it started
        assert int(f[7]) <= int(f[6]) and int(f[9]) <= int(f[8])  # correct <= attempts
    for line in rows["qa_responses"]:
        assert line.split("\t")[6] in dataset.QA_CATEGORIES
    if user < SMALL.heavy:  # the heavy learner studied every one of the last 45 days
        days = {line.split("\t")[3][:10] for line in rows["sessions"]}
        assert len(days) >= 45
        assert len(rows["saved_descriptions"]) == dataset.Activity().heavy_saved
    assert rows == dataset.activity_rows(plan, user, "Europe/Madrid")  # deterministic

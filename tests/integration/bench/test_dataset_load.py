"""The bench generator writes through the real schema (constraints, triggers) and a re-run adds nothing."""

from __future__ import annotations

import psycopg

from bench import dataset
from describe_it.db.tx import transaction
from infra.local.stack import Stack
from tests.unit.bench.test_dataset import SMALL


def _counts(dsn: str) -> dict[str, int]:
    return dataset.counts(dsn)


def test_a_small_data_set_loads_and_a_rerun_changes_nothing(db: Stack) -> None:
    result = dataset.load(db.admin_dsn(), SMALL, quiet=True)
    expected = {
        "users": SMALL.users,
        "vocabulary_lists": SMALL.public_lists + SMALL.heavy * SMALL.heavy_lists + SMALL.owners,
        "vocabulary_items": SMALL.items,
        "learning_progress": SMALL.progress,
        "review_logs": SMALL.logs,
    }
    assert _counts(db.admin_dsn()) == expected
    with psycopg.connect(db.admin_dsn()) as conn:
        # the items' insert trigger kept every list's word count
        drift = conn.execute(
            """SELECT count(*) FROM vocabulary_lists l
                WHERE total_words <> (SELECT count(*) FROM vocabulary_items i WHERE i.vocabulary_list_id = l.id)"""
        ).fetchone()
        assert drift == (0,)
        heavy = conn.execute("SELECT id FROM users WHERE email = %s", [dataset.HEAVY_LEARNER]).fetchone()
        # the time-zone trigger is on again after the load
        enabled = conn.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'users_check_time_zone'"
        ).fetchone()
        assert enabled == ("O",)
    assert heavy is not None

    again = dataset.load(db.admin_dsn(), SMALL, quiet=True)
    assert again["anchor"] == result["anchor"]  # the stored anchor: the same history
    assert _counts(db.admin_dsn()) == expected

    # the app role under row-level security sees the heavy learner's own cards, and only theirs
    with transaction("app", heavy[0]) as conn:
        mine = conn.execute("SELECT count(*) AS n FROM learning_progress").fetchone()
        logs = conn.execute("SELECT count(*) AS n FROM review_logs").fetchone()
    assert mine is not None and mine["n"] == SMALL.heavy_cards
    assert logs is not None and logs["n"] == SMALL.heavy_logs
    with transaction("app", heavy[0]) as conn:
        saved = conn.execute(
            "SELECT count(*) AS n FROM saved_descriptions WHERE user_id = %s", [heavy[0]]
        ).fetchone()
        rolled = conn.execute(
            "SELECT count(*) AS n FROM learning_analytics WHERE user_id = %s", [heavy[0]]
        ).fetchone()
    assert saved is not None and saved["n"] == dataset.Activity().heavy_saved
    assert rolled is not None and rolled["n"] > 0  # the closed days are rolled up, as the cron leaves them

"""Correction 23: no learner loses review history because someone else deleted something.

Deleting a public or shared list, or one of its items, or moving the item away, or deleting the
owner's account, keeps the items other learners have progress on, in a private archive list of
theirs, with their progress and review logs. The owner's own progress goes with the delete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.vocabulary.conftest import Learner
from tests.support.api import STRONG_PASSWORD


def study(learner: Learner, item_id: str, *ratings: str) -> None:
    for rating in ratings:
        assert (
            learner.call("POST", "/api/vocabulary/review", {"itemId": item_id, "rating": rating}).status
            == 200
        )


def history(admin_sql: Callable[..., Any], learner: Learner) -> list[tuple[Any, ...]]:
    """The learner's cards and logs, by Spanish text (ids change when an item is archived)."""
    return admin_sql(
        """SELECT i.spanish_text, p.reps, p.stability, (SELECT count(*) FROM review_logs r
                   WHERE r.user_id = p.user_id AND r.vocabulary_item_id = p.vocabulary_item_id)
             FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
            WHERE p.user_id = %s ORDER BY 1""",
        [learner.id],
    )


def test_deleting_a_public_list_archives_what_others_studied(
    ana: Learner, ben: Learner, make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    cid = make_learner("cid")
    lst = ana.new_list("Pública", isPublic=True, description="Para todos")
    perro, gato, pez = ana.save(lst["id"], ("perro", "dog"), ("gato", "cat"), ("pez", "fish"))
    study(ana, perro["id"], "good")
    study(ben, perro["id"], "good", "good")
    study(ben, gato["id"], "again")
    study(cid, gato["id"], "easy")
    before_ben, before_cid = history(admin_sql, ben), history(admin_sql, cid)

    deleted = ana.call("DELETE", f"/api/vocabulary/lists/{lst['id']}")
    assert deleted.status == 200 and deleted.data["itemsDeleted"] == 3

    assert history(admin_sql, ben) == before_ben  # same cards, same logs
    assert history(admin_sql, cid) == before_cid
    assert history(admin_sql, ana) == []  # the owner's own progress went with the list
    assert admin_sql("SELECT count(*) FROM review_logs WHERE user_id = %s", [ana.id]) == [(0,)]
    archive = ben.call("GET", "/api/vocabulary/lists").data
    assert [(x["name"], x["totalWords"], x["isPublic"], x["description"]) for x in archive] == [
        ("Pública (archived)", 2, False, "Para todos")
    ]
    items = ben.call(
        "GET",
        f"/api/vocabulary/lists/{archive[0]['id']}/items",
        query="sort=spanishText&includeProgress=true",
    )
    assert [(i["spanishText"], i["progress"]["reps"]) for i in items.data] == [("gato", 1), ("perro", 2)]
    # readable by that learner only, and the learner's to keep studying
    assert cid.call("GET", f"/api/vocabulary/lists/{archive[0]['id']}").status == 404
    assert ana.call("GET", f"/api/vocabulary/lists/{archive[0]['id']}").status == 404
    queue = ben.call("GET", "/api/vocabulary/review", query="newLimit=0")
    assert queue.status == 200
    study(ben, items.data[0]["id"], "good")
    assert [x["name"] for x in cid.call("GET", "/api/vocabulary/lists").data] == ["Pública (archived)"]
    assert pez  # nobody studied it: not archived anywhere
    assert admin_sql("SELECT count(*) FROM vocabulary_items WHERE spanish_text = 'pez'") == [(0,)]


def test_deleting_an_item_of_a_shared_list_and_later_the_list_reuses_one_archive(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    ben.new_list("Compartida (archived)")  # a name clash: the archive gets a number
    lst = ana.new_list("Compartida", sharedWith=["ben"])
    uno, dos = ana.save(lst["id"], ("uno", "one"), ("dos", "two"))
    study(ben, uno["id"], "good")
    study(ben, dos["id"], "hard")
    assert ana.call("DELETE", f"/api/vocabulary/items/{uno['id']}").status == 200
    assert ana.call("DELETE", f"/api/vocabulary/lists/{lst['id']}").status == 200
    lists = {x["name"]: x["totalWords"] for x in ben.call("GET", "/api/vocabulary/lists").data}
    assert lists == {"Compartida (archived)": 0, "Compartida (archived 2)": 2}
    assert [row[0] for row in history(admin_sql, ben)] == ["dos", "uno"]


def test_moving_an_item_out_of_a_public_list_keeps_it_for_its_learners(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    public, private = ana.new_list("Pública", isPublic=True), ana.new_list("Privada")
    [item] = ana.save(public["id"], ("mover", "to move"))
    study(ana, item["id"], "good")
    study(ben, item["id"], "easy")
    moved = ana.call("PATCH", f"/api/vocabulary/items/{item['id']}", {"listId": private["id"]})
    assert moved.status == 200
    assert ben.call("GET", f"/api/vocabulary/items/{item['id']}").status == 404  # private now
    [(text, reps, _, logs)] = history(admin_sql, ben)
    assert (text, reps, logs) == ("mover", 1, 1)
    # the owner keeps the card on the moved item itself
    assert admin_sql(
        "SELECT vocabulary_item_id::text FROM learning_progress WHERE user_id = %s", [ana.id]
    ) == [(item["id"],)]


def test_deleting_the_owners_account_keeps_other_learners_items(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Del autor", isPublic=True)
    [item] = ana.save(lst["id"], ("adiós", "goodbye"))
    study(ben, item["id"], "good")
    gone = ana.call("DELETE", "/api/auth/me", {"password": STRONG_PASSWORD})
    assert gone.status == 200, gone
    assert [row[:2] for row in history(admin_sql, ben)] == [("adiós", 1)]
    assert [x["name"] for x in ben.call("GET", "/api/vocabulary/lists").data] == ["Del autor (archived)"]

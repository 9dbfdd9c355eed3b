"""/api/descriptions/saved[/{id}] (spec §5.4): save, read, page, update, delete."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row

from describe_it.descriptions.models import SaveInput
from describe_it.descriptions.service import save_description
from describe_it.images_ids import image_id_for_hash, source_hash_for_url
from infra.local.stack import Stack
from tests.integration.descriptions.conftest import EN, ES, SAVED, Learner, body
from tests.support.lambda_invoke import Reply, load_function


def rows_of(admin_sql: Callable[..., Any], user: UUID) -> int:
    [(n,)] = admin_sql("SELECT count(*) FROM saved_descriptions WHERE user_id = %s", [user])
    return int(n)


def test_save_and_read_back(ana: Learner, image_id: str, admin_sql: Callable[..., Any]) -> None:
    reply = ana.call("POST", SAVED, body(image_id, rating=4, tags=["casa", "casa", "color"], notes="mi nota"))
    assert reply.status == 201, reply
    saved = reply.data
    assert reply.headers["location"] == f"{SAVED}/{saved['id']}"
    assert reply.headers["cache-control"] == "no-store"
    assert saved["imageId"] == image_id
    assert saved["imageUrl"] == "https://images.example.com/photos/red-house.jpg"
    assert saved["image"] == {
        "altDescription": "a red house", "photographerName": "Ana Photo", "photographerUsername": None,
        "width": 1080, "height": 720, "color": "#aa3322",
    }  # fmt: skip
    assert saved["englishDescription"] == EN and saved["spanishDescription"] == ES
    assert saved["wordCountEnglish"] == 14 and saved["wordCountSpanish"] == 15
    assert saved["tags"] == ["casa", "color"] and saved["rating"] == 4 and saved["notes"] == "mi nota"
    assert saved["isOwner"] is True and saved["isPublic"] is False and saved["isFavorite"] is False
    assert saved["generationId"] is None and saved["sessionId"] is None
    assert saved["createdAt"].endswith("Z")
    got = ana.call("GET", f"{SAVED}/{saved['id']}")
    assert got.status == 200 and got.data == saved
    [(notes, rating, words)] = admin_sql(
        "SELECT personal_notes, user_rating, word_count_spanish FROM saved_descriptions WHERE id = %s",
        [saved["id"]],
    )
    assert (notes, rating, words) == ("mi nota", 4, 15)


def test_legacy_field_names_and_accented_style(ana: Learner, image_id: str) -> None:
    reply = ana.call(
        "POST", SAVED,
        {"image_id": image_id, "style": "Poético", "description_english": "Light.", "description_spanish": "Luz.",
         "user_rating": "5", "isFavorite": True},
    )  # fmt: skip
    assert reply.status == 201, reply
    assert reply.data["style"] == "poetico" and reply.data["rating"] == 5 and reply.data["isFavorite"] is True
    assert reply.data["wordCountEnglish"] == 1


def test_an_image_url_is_upserted_into_the_catalogue_by_its_normalised_form(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    texts = {"style": "tecnico", "englishDescription": "A bridge.", "spanishDescription": "Un puente."}
    first = ana.call("POST", SAVED, {"imageUrl": "https://CDN.Example.com:443/img/bridge.jpg#top", **texts})
    assert first.status == 201, first
    expected = image_id_for_hash(source_hash_for_url("https://cdn.example.com/img/bridge.jpg"))
    assert first.data["imageId"] == str(expected)
    assert first.data["imageUrl"] == "https://cdn.example.com/img/bridge.jpg"
    assert first.data["image"] is None  # the catalogue knows nothing about it yet
    again = ben.call("POST", SAVED, {"imageUrl": "https://cdn.example.com/img/bridge.jpg", **texts})
    assert again.status == 201 and again.data["imageId"] == str(expected)
    assert admin_sql("SELECT count(*) FROM images WHERE url = 'https://cdn.example.com/img/bridge.jpg'") == [
        (1,)
    ]
    # imageId wins when both are sent (what a client posting a generation entry sends)
    both = ana.call(
        "POST", SAVED, {"imageId": str(expected), "imageUrl": "https://other.example.com/x.jpg", **texts}
    )
    assert both.status == 201 and both.data["imageId"] == str(expected)
    assert admin_sql("SELECT count(*) FROM images WHERE url = 'https://other.example.com/x.jpg'") == [(0,)]


@pytest.mark.parametrize(
    ("url", "message"),
    [("http://example.com/a.jpg", "Only HTTPS URLs are allowed"),
     ("https://user:pw@example.com/a.jpg", "URLs with credentials are not allowed"),
     ("https://localhost/a.jpg", "The URL's host is not valid"),
     ("https://example.com:8443/a.jpg", "Only port 443 is allowed")],
)  # fmt: skip
def test_a_bad_image_url_is_400(ana: Learner, admin_sql: Callable[..., Any], url: str, message: str) -> None:
    reply = ana.call(
        "POST",
        SAVED,
        {"imageUrl": url, "style": "narrativo", "englishDescription": "a", "spanishDescription": "b"},
    )
    assert reply.status == 400, reply
    assert reply.json["error"] == message and reply.json["details"][0]["field"] == "imageUrl"
    assert admin_sql("SELECT count(*) FROM images") == [(0,)]


def test_unknown_image_or_session_is_404_and_nothing_is_written(
    ana: Learner, ben: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    unknown = str(uuid.uuid4())
    reply = ana.call("POST", SAVED, body(unknown))
    assert reply.status == 404 and reply.json["details"][0]["field"] == "imageId", reply
    [(bens_session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'description') RETURNING id", [ben.id]
    )
    for session in (unknown, str(bens_session)):
        reply = ana.call("POST", SAVED, body(image_id, sessionId=session))
        assert reply.status == 404 and reply.json["details"][0]["field"] == "sessionId", reply
    assert rows_of(admin_sql, ana.id) == 0
    [(own_session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'description') RETURNING id", [ana.id]
    )
    reply = ana.call("POST", SAVED, body(image_id, sessionId=str(own_session)))
    assert reply.status == 201 and reply.data["sessionId"] == str(own_session)


def test_the_same_generation_saved_twice_is_one_row(
    ana: Learner, ben: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    generation = str(uuid.uuid4())
    first = ana.call("POST", SAVED, body(image_id, generationId=generation, notes="primera"))
    assert first.status == 201, first
    second = ana.call(
        "POST", SAVED, body(image_id, generationId=generation, notes="segunda", style="poetico")
    )
    assert second.status == 200, second
    assert second.data == first.data  # the existing row, unchanged
    assert "location" not in second.headers and second.json["message"]
    assert rows_of(admin_sql, ana.id) == 1
    # another learner saving the same generation gets their own row
    assert ben.call("POST", SAVED, body(image_id, generationId=generation)).status == 201
    # without a generationId every save is a new row
    assert ana.call("POST", SAVED, body(image_id)).status == 201
    assert ana.call("POST", SAVED, body(image_id)).status == 201
    assert rows_of(admin_sql, ana.id) == 3


def test_two_saves_of_one_generation_at_once_make_exactly_one_row(
    ana: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    generation = str(uuid.uuid4())
    load_function("descriptions_saved")  # imported once before the threads (importing is not thread-safe)
    start = threading.Barrier(2, timeout=30)

    def post(_: int) -> Reply:
        loop = asyncio.new_event_loop()  # Mangum drives the app on the thread's event loop
        asyncio.set_event_loop(loop)
        try:
            start.wait()
            return ana.call("POST", SAVED, body(image_id, generationId=generation))
        finally:
            loop.close()

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(post, range(2)))
    assert sorted(r.status for r in replies) == [200, 201], replies
    assert replies[0].data["id"] == replies[1].data["id"]
    assert rows_of(admin_sql, ana.id) == 1


def test_a_save_that_waited_for_the_same_generation_answers_with_that_row(
    clean: Stack, ana: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    """The interleaving forced: the second insert waits on the unique index for the first, then gives way."""
    from tests.integration.vocabulary.test_counts import wait_until_blocked

    data = SaveInput(
        style="narrativo", english_description=EN, spanish_description=ES, image_id=UUID(image_id),
        generation_id=uuid.uuid4(),
    )  # fmt: skip
    outcome: list[Any] = []
    pid: list[int] = []
    ready = threading.Event()

    def second() -> None:
        try:
            with psycopg.connect(clean.role_dsn("app"), row_factory=dict_row) as conn, conn.transaction():
                conn.execute("SELECT set_config('app.user_id', %s, true)", [str(ana.id)])
                pid.append(conn.info.backend_pid)
                ready.set()
                outcome.append(save_description(conn, ana.id, data))
        except BaseException as exc:
            outcome.append(exc)

    with psycopg.connect(clean.role_dsn("app"), row_factory=dict_row) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(ana.id)])
        first = save_description(conn, ana.id, data)
        thread = threading.Thread(target=second)
        thread.start()
        assert ready.wait(30)
        wait_until_blocked(admin_sql, pid[0])
    thread.join(30)
    [other] = outcome
    assert first.created is True
    assert not isinstance(other, BaseException), other
    assert other.created is False and other.description.id == first.description.id
    assert rows_of(admin_sql, ana.id) == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [({"style": "epico"}, "style", "invalid_enum"),
     ({"style": None}, "style", "invalid_enum"),
     ({"englishDescription": "   "}, "englishDescription", "too_short"),
     ({"spanishDescription": "x" * 20_001}, "spanishDescription", "too_long"),
     ({"spanishDescription": 5}, "spanishDescription", "invalid_type"),
     ({"englishDescription": "a\x00b"}, "englishDescription", "invalid_format"),
     ({"rating": 0}, "rating", "too_small"),
     ({"rating": 6}, "rating", "too_large"),
     ({"rating": 4.5}, "rating", "invalid"),
     ({"rating": True}, "rating", "invalid_type"),
     ({"notes": "n" * 5001}, "notes", "too_long"),
     ({"notes": "<script>alert(1)</script>"}, "notes", "unsafe_content"),
     ({"tags": [f"t{i}" for i in range(21)]}, "tags", "too_long"),
     ({"tags": ["x" * 41]}, "tags[0]", "too_long"),
     ({"tags": ["ok", ""]}, "tags[1]", "too_short"),
     ({"tags": ["onclick=steal()"]}, "tags[0]", "unsafe_content"),
     ({"isPublic": "yes"}, "isPublic", "invalid_type"),
     ({"generationId": "not-a-uuid"}, "generationId", "invalid_format"),
     ({"imageId": "nope"}, "imageId", "invalid_format"),
     ({"imageId": None}, "imageId", "required"),
     ({"imageId": None, "imageUrl": "x" * 2049}, "imageUrl", "too_long")],
)  # fmt: skip
def test_validation_bounds_are_400_never_500(
    ana: Learner, image_id: str, admin_sql: Callable[..., Any], fields: dict[str, Any], field: str, code: str
) -> None:
    reply = ana.call("POST", SAVED, {**body(image_id), **fields})
    assert reply.status == 400, reply
    assert (reply.json["details"][0]["field"], reply.json["details"][0]["code"]) == (field, code), reply
    assert rows_of(admin_sql, ana.id) == 0


def test_page_filters_sort_and_cursor(
    ana: Learner, ben: Learner, saved: Callable[..., dict[str, Any]]
) -> None:
    made = [
        saved(ana, style="narrativo", rating=3, tags=["mar"], isFavorite=True),
        saved(ana, style="poetico", rating=5, tags=["mar", "sol"]),
        saved(ana, style="poetico", isPublic=True),
        saved(ana, style="tecnico", rating=1, isFavorite=True),
        saved(ana, style="narrativo", rating=5),
    ]
    saved(ben, style="poetico", isPublic=True)  # never in ana's page

    def ids(query: str = "") -> list[str]:
        reply = ana.call("GET", SAVED, query=query)
        assert reply.status == 200, reply
        assert reply.json["pagination"]["total"] is None
        return [row["id"] for row in reply.data]

    newest_first = [row["id"] for row in reversed(made)]
    assert ids() == newest_first
    assert ids("order=asc") == newest_first[::-1]
    assert ids("favorite=true") == [made[3]["id"], made[0]["id"]]
    assert ids("favorite=false") == [made[4]["id"], made[2]["id"], made[1]["id"]]
    assert ids("style=poetico") == [made[2]["id"], made[1]["id"]]
    assert ids("isPublic=1") == [made[2]["id"]]
    assert ids("tag=mar") == [made[1]["id"], made[0]["id"]]
    assert ids("tag=mar&tag=sol") == [made[1]["id"]]
    # by rating, best first; ties newest… by id, unrated last
    by_rating = ids("sort=rating")
    assert set(by_rating[:2]) == {made[1]["id"], made[4]["id"]}
    assert by_rating[2:] == [made[0]["id"], made[3]["id"], made[2]["id"]]
    assert ids("sortBy=rating&sortOrder=desc") == by_rating
    # a cursor walks every row exactly once, in order
    seen: list[str] = []
    query = "limit=2"
    while True:
        reply = ana.call("GET", SAVED, query=query)
        seen += [row["id"] for row in reply.data]
        if not reply.json["pagination"]["hasMore"]:
            assert "nextCursor" not in reply.json["pagination"]
            break
        query = f"limit=2&cursor={reply.json['pagination']['nextCursor']}"
    assert seen == newest_first
    # offset pages too
    assert ids("limit=2&offset=2") == newest_first[2:4]


def test_date_range(
    ana: Learner, saved: Callable[..., dict[str, Any]], admin_sql: Callable[..., Any]
) -> None:
    old, mid, new = saved(ana), saved(ana), saved(ana)
    for row, at in (
        (old, "2026-01-10T12:00:00Z"),
        (mid, "2026-02-01T00:00:00Z"),
        (new, "2026-03-05T08:30:00Z"),
    ):
        admin_sql("UPDATE saved_descriptions SET created_at = %s WHERE id = %s", [at, row["id"]])

    def ids(query: str) -> list[str]:
        reply = ana.call("GET", SAVED, query=query)
        assert reply.status == 200, reply
        return [row["id"] for row in reply.data]

    assert ids("from=2026-02-01") == [new["id"], mid["id"]]
    assert ids("to=2026-02-01") == [mid["id"], old["id"]]  # a date "to" is the whole day
    assert ids("from=2026-01-11&to=2026-03-01") == [mid["id"]]
    assert ids("dateFrom=2026-02-01T00:00:01%2B00:00") == [new["id"]]
    assert ids("to=2026-02-01T00:00:00Z") == [mid["id"], old["id"]]  # a timestamp "to" is inclusive
    for bad in (
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-02-01T10:00:00",
        "from=2026-03-01&to=2026-02-01",
    ):
        reply = ana.call("GET", SAVED, query=bad)
        assert reply.status == 400, (bad, reply)


@pytest.mark.parametrize(
    "query",
    ["favorite=maybe", "style=epico", "sort=title", "order=sideways", "limit=0", "limit=101", "offset=10001",
     "cursor=tampered", "tag=" + "t" * 41, "tag=a%00b"],
)  # fmt: skip
def test_bad_page_queries_are_400(ana: Learner, query: str) -> None:
    reply = ana.call("GET", SAVED, query=query)
    assert reply.status == 400, reply


def test_a_cursor_of_another_sort_is_refused(ana: Learner, saved: Callable[..., dict[str, Any]]) -> None:
    saved(ana), saved(ana)
    cursor = ana.call("GET", SAVED, query="limit=1").json["pagination"]["nextCursor"]
    assert ana.call("GET", SAVED, query=f"limit=1&sort=rating&cursor={cursor}").status == 400


def test_patch_changes_only_what_is_sent(ana: Learner, saved: Callable[..., dict[str, Any]]) -> None:
    row = saved(ana, rating=2, notes="antes", tags=["a"])
    path = f"{SAVED}/{row['id']}"
    reply = ana.call("PATCH", path, {"isFavorite": True, "rating": 5})
    assert reply.status == 200, reply
    after = reply.data
    assert (after["isFavorite"], after["rating"], after["notes"], after["tags"]) == (True, 5, "antes", ["a"])
    assert after["updatedAt"] >= row["updatedAt"]
    cleared = ana.call("PATCH", path, {"rating": None, "notes": None, "tags": None, "isPublic": True}).data
    assert (cleared["rating"], cleared["notes"], cleared["tags"], cleared["isPublic"]) == (
        None,
        None,
        [],
        True,
    )
    assert cleared["isFavorite"] is True  # not sent: unchanged
    assert ana.call("PATCH", path, {}).data == cleared  # nothing sent, nothing changed
    assert ana.call("PATCH", path, {"user_rating": 3}).data["rating"] == 3
    for bad in ({"rating": 9}, {"notes": "javascript:alert(1)"}, {"isFavorite": "true"}, {"tags": "a,b"}):
        assert ana.call("PATCH", path, bad).status == 400, bad
    assert ana.call("PATCH", path, raw_body="[1]", headers={"content-type": "application/json"}).status == 400
    assert ana.call("PATCH", path, raw_body="rating=1", headers={"content-type": "text/plain"}).status == 415


def test_delete_keeps_the_answers_that_named_it(
    ana: Learner, ben: Learner, saved: Callable[..., dict[str, Any]], admin_sql: Callable[..., Any]
) -> None:
    row = saved(ana, isPublic=True)
    answer = {"question": "¿De qué color es la casa?", "correctAnswer": "roja", "userAnswer": "roja",
              "descriptionId": row["id"]}  # fmt: skip
    mine = ana.call("POST", "/api/qa/responses", answer)
    theirs = ben.call("POST", "/api/qa/responses", answer)  # a public description: anyone may answer on it
    assert mine.status == 201 and theirs.status == 201, (mine, theirs)
    reply = ana.call("DELETE", f"{SAVED}/{row['id']}")
    assert reply.status == 200 and reply.data == {"id": row["id"], "deleted": True}, reply
    assert ana.call("GET", f"{SAVED}/{row['id']}").status == 404
    assert ana.call("DELETE", f"{SAVED}/{row['id']}").status == 404
    kept = admin_sql("SELECT user_id, description_id FROM qa_responses ORDER BY user_id")
    assert sorted(kept) == sorted([(ana.id, None), (ben.id, None)])
    assert ana.call("GET", "/api/qa/responses").data[0]["descriptionId"] is None

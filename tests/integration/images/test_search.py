"""GET /api/images/search (+ search-edge) through Mangum, against the fake Unsplash (spec §9.1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest

from tests.integration.images.conftest import Clock
from tests.support.api import call, session_for
from tests.support.fake_unsplash import FakeUnsplash, Reply, photo_id

pytestmark = pytest.mark.usefixtures("clean")
IMAGE_KEYS = {"id", "urls", "altDescription", "description", "user", "links", "width", "height", "color"}


def search(path: str = "/api/images/search", token: str | None = None, headers: dict[str, str] | None = None,
           **query: Any) -> Any:  # fmt: skip
    return call("GET", path, query=urlencode(query), token=token, headers=headers)


def test_a_search_answers_from_unsplash_in_the_documented_shape(fake_unsplash: FakeUnsplash) -> None:
    reply = search(query="Gato", perPage=5, page=2, orientation="landscape", color="blue")

    assert reply.status == 200, reply
    data = reply.data
    assert set(data) == {"images", "total", "totalPages", "currentPage", "hasNextPage", "source"}
    assert (data["source"], data["total"], data["totalPages"], data["currentPage"]) == ("unsplash", 40, 8, 2)
    assert data["hasNextPage"] is True
    assert len(data["images"]) == 5
    first = data["images"][0]
    assert set(first) == IMAGE_KEYS
    assert first["id"] == photo_id("gato", 5)  # page 2 of 5: the sixth photo; the query was case-folded
    assert set(first["urls"]) == {"small", "regular", "full"}
    assert first["user"] == {
        "name": "Photographer 5",
        "username": "photographer5",
        "profileUrl": "https://unsplash.test/@photographer5",
    }
    assert first["links"] == {"html": f"https://unsplash.test/photos/{first['id']}"}
    assert (first["width"], first["height"], first["color"]) == (4005, 3000, "#a0b0c0")
    assert reply.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=600"
    assert reply.headers["etag"].startswith('W/"')
    assert reply.headers["x-ratelimit-limit"] == "60"  # the guest `images` class

    (sent,) = fake_unsplash.searches()
    assert sent.headers["authorization"] == f"Client-ID {fake_unsplash.api_key}"
    assert sent.query == {
        "query": ["gato"],
        "page": ["2"],
        "per_page": ["5"],
        "order_by": ["relevant"],
        "content_filter": ["high"],
        "orientation": ["landscape"],
        "color": ["blue"],
    }
    assert fake_unsplash.api_key not in sent.raw_target  # never in a query string


def test_the_same_search_normalised_is_one_upstream_call(fake_unsplash: FakeUnsplash) -> None:
    first = search(query="  Perro   Marrón ")
    second = search(query="perro marrón")
    third = search(query="PERRO MARRÓN".lower().upper())

    assert [r.data["source"] for r in (first, second, third)] == ["unsplash", "cache", "cache"]
    assert first.data["images"] == second.data["images"] == third.data["images"]
    assert first.headers["etag"] == second.headers["etag"]  # the same page, wherever it came from
    assert len(fake_unsplash.searches()) == 1


def test_the_alias_path_and_the_alias_parameters(fake_unsplash: FakeUnsplash) -> None:
    alias = search("/api/images/search-edge", q="casa", per_page=3, order_by="latest")
    assert alias.status == 200, alias
    assert len(alias.data["images"]) == 3
    (sent,) = fake_unsplash.searches()
    assert (sent.query["per_page"], sent.query["order_by"]) == (["3"], ["latest"])

    # The canonical name wins when both are sent (spec §1.1).
    both = search(query="playa", q="montaña", perPage=2, per_page=7)
    assert both.status == 200, both
    assert fake_unsplash.searches()[-1].query["query"] == ["playa"]
    assert len(both.data["images"]) == 2


def test_an_api_key_parameter_is_ignored_and_never_logged(
    fake_unsplash: FakeUnsplash, captured_logs: list[str]
) -> None:
    client_key = "clientSentUnsplashKey_" + "x9y8z7w6v5u4t3s2r1q0"
    reply = search(query="sol", api_key=client_key)

    assert reply.status == 200, reply
    (sent,) = fake_unsplash.searches()
    assert sent.headers["authorization"] == f"Client-ID {fake_unsplash.api_key}"
    assert "api_key" not in sent.query
    logs = "\n".join(captured_logs)
    assert client_key not in logs
    assert fake_unsplash.api_key not in logs
    assert client_key not in reply.text


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {("query", "required")}),
        ({"query": "   "}, {("query", "too_short")}),
        ({"query": "x" * 101}, {("query", "too_long")}),
        ({"query": "a\x01b"}, {("query", "invalid_format")}),
        ({"query": "a", "perPage": 31, "page": 0}, {("perPage", "too_large"), ("page", "too_small")}),
        ({"query": "a", "page": "dos"}, {("page", "invalid_type")}),
        ({"query": "a", "orientation": "round", "orderBy": "oldest"},
         {("orientation", "invalid_enum"), ("orderBy", "invalid_enum")}),
        ({"query": "a", "color": "pink"}, {("color", "invalid_enum")}),
    ],
)  # fmt: skip
def test_invalid_parameters_are_400(
    fake_unsplash: FakeUnsplash, query: dict[str, Any], fields: set[Any]
) -> None:
    reply = search(**query)
    assert reply.status == 400, reply
    assert reply.json["error"] == "Invalid parameters"
    assert reply.json["code"] == "VALIDATION_ERROR"
    assert {(d["field"], d["code"]) for d in reply.json["details"]} == fields
    assert fake_unsplash.searches() == []


# --- the cache on a clock of its own ----------------------------------------------------------------------


def test_fresh_for_30_minutes_then_refreshed(fake_unsplash: FakeUnsplash, search_service: Any) -> None:
    clock = Clock()
    search_service(clock)
    assert search(query="nube").data["source"] == "unsplash"
    clock.advance(29 * 60)
    assert search(query="nube").data["source"] == "cache"
    clock.advance(2 * 60)  # 31 minutes: due for a refresh, and Unsplash answers
    assert search(query="nube").data["source"] == "unsplash"
    assert len(fake_unsplash.searches()) == 2


def test_stale_for_24_hours_when_unsplash_fails_then_the_error(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    clock = Clock()
    search_service(clock)
    first = search(query="lluvia")
    assert first.data["source"] == "unsplash"

    fake_unsplash.default = Reply.server_error()
    clock.advance(31 * 60)
    stale = search(query="lluvia")
    assert stale.status == 200, stale
    assert stale.data["source"] == "stale-cache"
    assert stale.data["images"] == first.data["images"]

    clock.advance(24 * 3600)  # past the entry's life: nothing to fall back on
    gone = search(query="lluvia")
    assert gone.status == 502, gone
    assert gone.json["code"] == "UPSTREAM_ERROR"
    assert gone.headers["cache-control"] == "no-store"


def test_unsplash_down_without_a_stale_copy_is_502_and_slow_is_504(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    search_service(timeout_s=0.3)
    fake_unsplash.enqueue(Reply.server_error(), Reply.hanging(), Reply.garbage())
    assert search(query="uno").status == 502
    slow = search(query="dos")
    assert slow.status == 504, slow
    assert slow.json["code"] == "UPSTREAM_TIMEOUT"
    assert search(query="tres").status == 502  # an answer that is not Unsplash's


def test_a_spent_quota_stops_the_calls_serves_stale_and_else_503(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    hour = 1_900_000_000 // 3600 * 3600
    clock = Clock(hour + 60.0)  # a minute past a full hour
    search_service(clock)
    fake_unsplash.remaining = 2
    assert search(query="árbol").data["source"] == "unsplash"  # remaining 1
    assert search(query="flor").data["source"] == "unsplash"  # remaining 0: the pause starts
    calls = len(fake_unsplash.searches())

    refused = search(query="río")
    assert refused.status == 503, refused
    assert int(refused.headers["retry-after"]) == 3600 - 60  # until the next full hour
    clock.advance(31 * 60)
    assert search(query="árbol").data["source"] == "stale-cache"
    assert len(fake_unsplash.searches()) == calls  # no call while the quota is spent

    clock.advance(3600)  # the next hour: Unsplash is asked again
    fake_unsplash.remaining = 50
    assert search(query="río").data["source"] == "unsplash"


def test_unsplash_refusing_on_volume_starts_the_pause_too(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    search_service(Clock())
    fake_unsplash.enqueue(Reply.quota_exhausted())
    assert search(query="mar").status == 503
    assert search(query="mar").status == 503
    assert len(fake_unsplash.searches()) == 1


def test_a_rejected_server_key_is_503_and_stale_still_answers(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    clock = Clock()
    search_service(clock)
    assert search(query="coche").status == 200
    fake_unsplash.default = Reply.invalid_key()
    clock.advance(31 * 60)
    assert search(query="coche").data["source"] == "stale-cache"
    refused = search(query="barco")
    assert refused.status == 503, refused
    assert refused.json["error"] == "Image search is not available"  # the server's problem, not the caller's


# --- keys --------------------------------------------------------------------------------------------------


def test_a_learners_stored_key_is_used_and_the_cache_is_shared(fake_unsplash: FakeUnsplash) -> None:
    own_key = "learnersOwnUnsplashKey_" + "a1b2c3d4e5f6g7h8i9j0"
    fake_unsplash.api_keys.add(own_key)
    token = session_for()["access_token"]
    stored = call("PUT", "/api/settings/apikeys", {"unsplash": own_key}, token=token)
    assert stored.status == 200, stored

    mine = search(query="montaña", token=token)
    assert mine.status == 200, mine
    assert mine.headers["cache-control"].startswith("private, ")  # the envelope names the learner
    assert fake_unsplash.searches()[-1].headers["authorization"] == f"Client-ID {own_key}"
    guest = search(query="Montaña")
    assert guest.data["source"] == "cache"  # keyed by what was asked, not by whose key answered
    assert len(fake_unsplash.searches()) == 1


def test_a_rejected_stored_key_is_the_learners_400(fake_unsplash: FakeUnsplash) -> None:
    token = session_for()["access_token"]
    call("PUT", "/api/settings/apikeys", {"unsplash": "revokedUnsplashKey_" + "0" * 20}, token=token)
    reply = search(query="lago", token=token)
    assert reply.status == 400, reply
    assert reply.json["details"][0]["code"] == "api_key_rejected"
    assert "0" * 20 not in reply.text


def test_without_a_key_the_local_stack_answers_from_the_demo_catalogue(settings_env: Any) -> None:
    settings_env(UNSPLASH_ACCESS_KEY=None)
    reply = search(query="Árbol")
    assert reply.status == 200, reply
    data = reply.data
    assert data["source"] == "demo"
    assert [image["id"] for image in data["images"]] == ["demo-apple-tree"]
    assert data["images"][0]["urls"]["regular"] == "http://127.0.0.1:8000/demo-images/apple-tree.jpg"
    assert set(data["images"][0]) == IMAGE_KEYS

    several = search(query="red house cat", perPage=2)
    assert (several.data["total"], several.data["totalPages"], several.data["hasNextPage"]) == (3, 2, True)
    assert [i["id"] for i in several.data["images"]] == [
        "demo-red-house",
        "demo-black-cat",
    ]  # 2 words, then 1
    rest = search(query="red house cat", perPage=2, page=2)
    assert [i["id"] for i in rest.data["images"]] == ["demo-red-umbrella"]
    assert search(query="zzzz").data == {
        "images": [],
        "total": 0,
        "totalPages": 0,
        "currentPage": 1,
        "hasNextPage": False,
        "source": "demo",
    }


def test_without_a_key_in_aws_search_is_503(settings_env: Any, search_service: Any) -> None:
    from describe_it.settings import get_settings

    settings_env(UNSPLASH_ACCESS_KEY=None)
    search_service(settings=get_settings().model_copy(update={"stage": "aws"}))
    reply = search(query="casa")
    assert reply.status == 503, reply
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert int(reply.headers["retry-after"]) > 0


# --- conditional requests and limits ------------------------------------------------------------------------


def test_if_none_match_gets_304(fake_unsplash: FakeUnsplash) -> None:
    first = search(query="estrella")
    tag = first.headers["etag"]
    again = search(query="estrella", headers={"If-None-Match": tag})
    assert again.status == 304
    assert again.text == ""
    assert again.headers["etag"] == tag
    assert again.headers["cache-control"].startswith("public, ")
    other = search(query="estrella", page=2, headers={"If-None-Match": tag})
    assert other.status == 200
    assert search(query="estrella", headers={"If-None-Match": f'"x", {tag.removeprefix("W/")}'}).status == 304


def test_the_images_class_limits_guests_to_60_an_hour(settings_env: Any) -> None:
    settings_env(UNSPLASH_ACCESS_KEY=None)  # the demo catalogue: fast, no upstream
    for n in range(60):
        reply = search(query="sol")
        assert reply.status == 200, (n, reply)
    assert reply.headers["x-ratelimit-remaining"] == "0"
    refused = search(query="sol")
    assert refused.status == 429, refused
    assert refused.json["details"][0]["code"] == "images"
    assert int(refused.headers["retry-after"]) > 0
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(refused.headers)
    assert refused.headers["x-ratelimit-limit"] == "60"
    other_ip = call("GET", "/api/images/search", query="query=sol", source_ip="198.51.100.7")
    assert other_ip.status == 200


# --- the catalogue ---------------------------------------------------------------------------------------------


def _catalogue(stack: Any) -> dict[str, dict[str, Any]]:
    with psycopg.connect(stack.admin_dsn()) as conn:
        rows = conn.execute(
            "SELECT unsplash_id, url, alt_description, photographer_username, width, usage_count FROM images"
            " WHERE unsplash_id IS NOT NULL"
        ).fetchall()
    return {r[0]: {"url": r[1], "alt": r[2], "user": r[3], "width": r[4], "uses": r[5]} for r in rows}


def test_every_result_is_catalogued_once_per_photo(fake_unsplash: FakeUnsplash, clean: Any) -> None:
    search(query="gato", perPage=5)
    search(query="gato", perPage=10)  # overlaps the first five
    rows = _catalogue(clean)
    assert set(rows) == {photo_id("gato", i) for i in range(10)}
    one = rows[photo_id("gato", 3)]
    assert one["alt"] == "a picture of gato number 3"
    assert (one["user"], one["width"], one["uses"]) == ("photographer3", 4003, 0)
    assert one["url"].startswith("https://images.unsplash.test/photo-")


def test_provider_data_overwrites_the_catalogue_but_a_learner_cannot(
    fake_unsplash: FakeUnsplash, clean: Any
) -> None:
    search(query="perro", perPage=1)
    pid = photo_id("perro", 0)
    with psycopg.connect(clean.role_dsn("app")) as conn:  # a request's own transaction: no provider mark
        conn.execute("SELECT set_config('app.user_id', '', false)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE images SET alt_description = 'vandalised' WHERE unsplash_id = %s", [pid])
    with psycopg.connect(clean.admin_dsn()) as conn:  # pretend Unsplash's text was different last time
        conn.execute("UPDATE images SET alt_description = 'old text' WHERE unsplash_id = %s", [pid])
    search(query="Perro", perPage=1, page=1, orderBy="latest")  # another cache key: asks Unsplash again
    assert _catalogue(clean)[pid]["alt"] == "a picture of perro number 0"


# --- download tracking ---------------------------------------------------------------------------------------


def test_download_tracking_calls_unsplash_with_the_key_and_never_fails(fake_unsplash: FakeUnsplash) -> None:
    from describe_it.identity import guest
    from describe_it.images.search import track_unsplash_download

    who = guest("203.0.113.10", "secret")
    pid = photo_id("gato", 0)
    assert track_unsplash_download(who, pid) is True
    (sent,) = fake_unsplash.downloads()
    assert sent.path == f"/photos/{pid}/download"
    assert sent.headers["authorization"] == f"Client-ID {fake_unsplash.api_key}"
    assert fake_unsplash.api_key not in sent.raw_target

    assert track_unsplash_download(who, "demo-beach") is False  # demo images are ours
    assert track_unsplash_download(who, "../../etc") is False  # not an Unsplash id: never sent
    fake_unsplash.enqueue(Reply.server_error())
    assert track_unsplash_download(who, pid) is False
    assert len(fake_unsplash.downloads()) == 2


def test_an_open_circuit_answers_from_the_stale_cache_or_503(
    fake_unsplash: FakeUnsplash, search_service: Any
) -> None:
    clock = Clock()
    search_service(clock)
    assert search(query="cielo").data["source"] == "unsplash"
    clock.advance(31 * 60)  # that copy is stale now
    fake_unsplash.default = Reply.server_error()
    for n in range(10):  # ten failures within a minute: the breaker opens (spec §1.9)
        assert search(query=f"fallo {n}").status == 502
    calls = len(fake_unsplash.searches())
    fake_unsplash.default = None  # Unsplash is back, but the circuit stays open for 30 s

    assert search(query="cielo").data["source"] == "stale-cache"
    refused = search(query="otra")
    assert refused.status == 503, refused
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    assert len(fake_unsplash.searches()) == calls  # nothing sent while open
    clock.advance(31)  # half-open: one trial, which succeeds and closes it
    assert search(query="otra").data["source"] == "unsplash"

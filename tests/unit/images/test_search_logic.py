"""The pure parts of image search: parameters and their cache key, the demo catalogue's matching, ETags,
what is kept of Unsplash's answer, the proxy's size label."""

from __future__ import annotations

import pytest

from describe_it.errors import ValidationFailed
from describe_it.images.models import SearchParams
from describe_it.images.params import search_params
from describe_it.images.proxy import format_size
from describe_it.images.search import SearchResult, demo_search, etag, etag_matches
from describe_it.images.unsplash import _photos
from tests.support.fake_unsplash import photo

BASE = "http://127.0.0.1:8000"


def params(**values: object) -> SearchParams:
    return SearchParams.model_validate({"query": "x", **values})


def test_the_cache_key_is_the_normalised_question_only() -> None:
    assert params(query=" Árbol  Rojo ").cache_key() == params(query="árbol rojo").cache_key()
    assert params(query="Straße").query == "strasse"  # case-folded, not just lower-cased
    assert params(query="cafe\u0301").query == "café"  # NFC
    assert params(page=2).cache_key() != params().cache_key()
    assert params(per_page=12).cache_key() == params().cache_key()  # a default is the same question
    assert params(color="red").cache_key() != params().cache_key()


def query(**given: str) -> SearchParams:
    """The dependency as FastAPI calls it: every parameter given, None when absent."""
    names = ("query", "q", "page", "per_page", "per_page_alias", "orientation", "color", "order_by")
    return search_params(**(dict.fromkeys((*names, "order_by_alias")) | given))


def test_canonical_names_win_and_errors_name_what_clients_send() -> None:
    chosen = query(query="uno", q="dos", per_page="3", per_page_alias="9", order_by_alias="latest")
    assert (chosen.query, chosen.per_page, chosen.order_by) == ("uno", 3, "latest")
    with pytest.raises(ValidationFailed) as caught:
        query(q="a", per_page_alias="99", order_by="old")
    assert caught.value.message == "Invalid parameters"
    assert {(d.field, d.code) for d in caught.value.details} == {
        ("perPage", "too_large"),
        ("orderBy", "invalid_enum"),
    }


def test_demo_search_matches_keywords_in_both_languages_ignoring_accents() -> None:
    assert [i.id for i in demo_search(params(query="PLATANO"), BASE).images] == ["demo-fruit-bowl"]
    assert [i.id for i in demo_search(params(query="casas"), BASE).images] == ["demo-red-house"]  # a plural
    both = demo_search(params(query="fruta manzana"), BASE)
    assert [i.id for i in both.images] == ["demo-apple-tree", "demo-fruit-bowl"]  # both words each
    assert demo_search(params(query="lu"), BASE).total == 0  # too short to be a prefix
    assert demo_search(params(query="sol", orientation="portrait"), BASE).total == 0  # all are 800×600


def test_demo_pages_are_cut_like_unsplash_pages() -> None:
    everything = "beach house cat mountains night tree boat flower city fruit umbrella car"
    first = demo_search(params(query=everything, per_page=5), BASE)
    last = demo_search(params(query=everything, per_page=5, page=3), BASE)
    assert (first.total, first.total_pages, first.has_next_page, len(first.images)) == (12, 3, True, 5)
    assert (last.current_page, last.has_next_page, len(last.images)) == (3, False, 2)
    assert (
        first.images[0].urls.regular == f"{BASE}/demo-images/{first.images[0].id.removeprefix('demo-')}.jpg"
    )


def test_the_etag_ignores_where_the_page_came_from() -> None:
    page = demo_search(params(query="gato"), BASE)
    cached = SearchResult(**page.model_dump() | {"source": "cache"})
    assert etag(page) == etag(cached)
    other = demo_search(params(query="perro gato barco"), BASE)
    assert etag(page) != etag(other)
    tag = etag(page)
    assert etag_matches(tag, tag)
    assert etag_matches(f'"nope", {tag.removeprefix("W/")}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('W/"nope"', tag)
    assert not etag_matches(None, tag)


def test_unusable_unsplash_results_are_skipped_not_fatal() -> None:
    good = photo("ok", 0)
    http_only = photo("ok", 1) | {"urls": {k: "http://x.test/a.jpg" for k in ("full", "regular", "small")}}
    bad_id = photo("ok", 2) | {"id": "../etc/passwd"}
    no_size = photo("ok", 3) | {"width": 0}
    missing = {"id": "abc"}
    kept, skipped = _photos([good, http_only, bad_id, no_size, missing, "not an object"])
    assert [p.id for p in kept] == [good["id"]]
    assert skipped == 5
    with pytest.raises(TypeError):
        _photos({"results": []})


@pytest.mark.parametrize(
    ("size", "label"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (3 * 1024 * 1024, "3.00 MB")]
)
def test_sizes_are_labelled_in_binary_multiples(size: int, label: str) -> None:
    assert format_size(size) == label

"""The two-tier cache against the real moto server: never an expired value, from either tier."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from describe_it.runtime.cache import TwoTierCache
from tests.integration.runtime.conftest import FakeClock, delete_item, stored_item, stored_items

VALUE = {"english": "A red bicycle leans on a wall.", "spanish": "Una bicicleta roja… ¿verdad?", "n": [1, 2]}


def test_put_then_get_round_trips_through_compressed_storage(dynamodb: Any, clock: FakeClock) -> None:
    writer = TwoTierCache(lambda: dynamodb, clock=clock)
    long_text = "la casa es grande " * 200
    writer.put("gen#1", {**VALUE, "long": long_text}, ttl_s=3600)

    # A second function (empty L1) reads it from DynamoDB
    reader = TwoTierCache(lambda: dynamodb, clock=clock)
    assert reader.get("gen#1") == {**VALUE, "long": long_text}

    item = stored_item(dynamodb, "cache#gen#1")
    assert item is not None
    stored = item["v"]["B"]  # a Binary attribute
    assert json.loads(zlib.decompress(stored)) == {**VALUE, "long": long_text}
    assert len(stored) < len(long_text) / 10
    assert int(item["ttl"]["N"]) == int(clock.now) + 3600
    assert float(item["createdAt"]["N"]) == clock.now


def test_a_missing_key_is_a_miss(dynamodb: Any, clock: FakeClock) -> None:
    assert TwoTierCache(lambda: dynamodb, clock=clock).get("nothing") is None
    assert TwoTierCache(lambda: dynamodb, clock=clock).get_entry("nothing") is None


def test_l1_never_returns_an_expired_entry(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock)
    cache.put("k", VALUE, ttl_s=10)
    clock.advance(9)
    assert cache.get("k") == VALUE
    clock.advance(1)
    assert cache.get("k") is None


def test_l2_never_returns_an_item_whose_ttl_passed_but_is_still_stored(
    dynamodb: Any, clock: FakeClock
) -> None:
    TwoTierCache(lambda: dynamodb, clock=clock).put("k", VALUE, ttl_s=10)
    clock.advance(10)
    # DynamoDB has not deleted it yet (TTL deletion is lazy) …
    assert stored_item(dynamodb, "cache#k") is not None
    # … but a reader must not see it
    assert TwoTierCache(lambda: dynamodb, clock=clock).get("k") is None


def test_an_l2_hit_fills_l1_with_the_remaining_ttl(dynamodb: Any, clock: FakeClock) -> None:
    TwoTierCache(lambda: dynamodb, clock=clock).put("k", VALUE, ttl_s=100)
    clock.advance(40)
    reader = TwoTierCache(lambda: dynamodb, clock=clock)
    assert reader.get("k") == VALUE

    # Served from L1 now: removing the item behind the reader's back does not show
    delete_item(dynamodb, "cache#k")
    clock.advance(59)
    assert reader.get("k") == VALUE
    # and L1 gives up when the item's own TTL ends, not 100 s after it was read
    clock.advance(1)
    assert reader.get("k") is None


def test_l1_trusts_an_entry_for_a_bounded_time(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock, l1_max_ttl_s=60)
    cache.put("k", VALUE, ttl_s=3600)
    delete_item(dynamodb, "cache#k")  # purged by another function
    assert cache.get("k") == VALUE
    clock.advance(60)
    assert cache.get("k") is None


def test_callers_cannot_change_a_cached_value(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock)
    cache.put("k", {"items": [1]}, ttl_s=60)
    got = cache.get("k")
    assert got is not None
    got["items"].append(2)
    assert cache.get("k") == {"items": [1]}


def test_entries_go_stale_before_they_expire(dynamodb: Any, clock: FakeClock) -> None:
    TwoTierCache(lambda: dynamodb, clock=clock).put("img", VALUE, ttl_s=86400, fresh_s=1800)
    reader = TwoTierCache(lambda: dynamodb, clock=clock)
    clock.advance(1799)
    entry = reader.get_entry("img")
    assert entry is not None
    assert (entry.value, entry.fresh, entry.created_at) == (VALUE, True, clock.now - 1799)
    clock.advance(1)
    stale = reader.get_entry("img")
    assert stale is not None
    assert (stale.value, stale.fresh) == (VALUE, False)
    clock.advance(86400 - 1800)
    assert reader.get_entry("img") is None


def test_l1_keeps_only_the_most_recently_used_items(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock, l1_max_items=2)
    for key in ("a", "b", "c"):
        cache.put(key, key, ttl_s=60)
    cache.get("b")
    for key in ("a", "b", "c"):
        delete_item(dynamodb, f"cache#{key}")
    assert [cache.get(k) for k in ("a", "b", "c")] == [None, "b", "c"]


def test_delete_and_delete_prefix(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock)
    for key in ("search#cat", "search#dog", "gen#1", "gen#2"):
        cache.put(key, key, ttl_s=60)
    for n in range(60):  # enough for several batches
        cache.put(f"search#x{n}", n, ttl_s=60)

    cache.delete("gen#1")
    assert cache.delete_prefix("search#", deadline_s=30) == (62, True)

    assert [cache.get(k) for k in ("search#cat", "search#dog", "gen#1", "gen#2")] == [
        None,
        None,
        None,
        "gen#2",
    ]
    assert [i["pk"]["S"] for i in stored_items(dynamodb)] == ["cache#gen#2"]


def test_delete_prefix_stops_at_its_deadline(dynamodb: Any, clock: FakeClock) -> None:
    cache = TwoTierCache(lambda: dynamodb, clock=clock)
    cache.put("search#cat", 1, ttl_s=60)
    assert cache.delete_prefix("search#", deadline_s=0) == (0, False)
    assert TwoTierCache(lambda: dynamodb, clock=clock).get("search#cat") == 1


def test_an_unreachable_table_never_fails_a_request(dead_client: Callable[[], Any], clock: FakeClock) -> None:
    cache = TwoTierCache(dead_client, clock=clock)
    assert cache.get("k") is None
    cache.put("k", VALUE, ttl_s=60)  # logged, not raised
    assert cache.get("k") == VALUE  # this function still has it in L1
    cache.delete("k")
    assert cache.delete_prefix("", deadline_s=5) == (0, False)


def test_get_many_reads_l1_then_one_batch_from_dynamodb(dynamodb: Any, clock: FakeClock) -> None:
    writer = TwoTierCache(lambda: dynamodb, clock=clock)
    writer.put_many({f"tr#{n}": {"n": n} for n in range(130)}, ttl_s=60)  # 6 BatchWriteItem calls
    writer.put("tr#old", {"n": -1}, ttl_s=10)
    assert writer.get_many(["tr#1", "tr#129", "nothing"]) == {"tr#1": {"n": 1}, "tr#129": {"n": 129}}

    reader = TwoTierCache(lambda: dynamodb, clock=clock)  # another function: empty L1
    clock.advance(20)  # tr#old has expired (its item may still be stored)
    keys = [f"tr#{n}" for n in range(130)] + ["tr#old", "nothing", "tr#5"]
    assert reader.get_many(keys) == {f"tr#{n}": {"n": n} for n in range(130)}
    assert stored_item(dynamodb, "cache#tr#77") is not None
    delete_item(dynamodb, "cache#tr#77")
    assert reader.get_many(["tr#77"]) == {"tr#77": {"n": 77}}  # now in this function's L1


def test_get_many_and_put_many_never_fail_a_request(dead_client: Callable[[], Any], clock: FakeClock) -> None:
    cache = TwoTierCache(dead_client, clock=clock)
    assert cache.get_many(["a", "b"]) == {}
    cache.put_many({"a": 1}, ttl_s=60)  # logged, not raised
    assert cache.get_many(["a", "b"]) == {"a": 1}

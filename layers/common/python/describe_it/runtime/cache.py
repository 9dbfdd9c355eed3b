"""Two-tier cache: an in-process LRU (L1) in front of ``cache#<key>`` items in the state table (L2).

Values are JSON; L2 stores them zlib-compressed as Binary (DynamoDB items are capped at 400 KB and
generated descriptions compress well). A cache must never fail a request: DynamoDB errors are
logged and read as a miss, writes that fail are logged and dropped.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    from_dynamo,
    is_live,
    item_key,
    item_of,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "cache#"
_BATCH = 25  # BatchWriteItem maximum
_BATCH_GET = 100  # BatchGetItem maximum


@dataclass
class CacheEntry:
    value: Any
    created_at: float
    fresh: bool  # False: still usable, but due for a refresh (stale-while-revalidate)


@dataclass
class _Local:
    text: str  # JSON, so callers never share (and mutate) one cached object
    created_at: float
    fresh_until: float
    expires_at: float


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class TwoTierCache:
    def __init__(
        self,
        client_factory: ClientFactory = state_client,
        *,
        l1_max_items: int = 256,
        l1_max_ttl_s: float = 300,
        clock: Clock = time.time,
    ) -> None:
        self._client = client_factory
        self._clock = clock
        self._max_items = l1_max_items
        # A delete in one function cannot reach the L1 of other warm functions; capping how long
        # L1 trusts an entry bounds how long they keep serving a purged value.
        self._l1_max_ttl_s = l1_max_ttl_s
        self._l1: OrderedDict[str, _Local] = OrderedDict()
        self._lock = threading.Lock()

    # -- reads -----------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        entry = self.get_entry(key)
        return None if entry is None else entry.value

    def get_entry(self, key: str) -> CacheEntry | None:
        now = self._clock()
        local = self._l1_get(key, now)
        if local is None:
            local = self._l2_get(key, now)
            if local is None:
                return None
            self._l1_put(key, local, now)
        return CacheEntry(json.loads(local.text), local.created_at, now < local.fresh_until)

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The live values of ``keys`` (misses left out): L1 first, then one BatchGetItem per 100 keys
        for the rest, so a batch costs one round trip instead of one per key."""
        now = self._clock()
        found: dict[str, Any] = {}
        missing: list[str] = []
        for key in dict.fromkeys(keys):
            local = self._l1_get(key, now)
            if local is None:
                missing.append(key)
            else:
                found[key] = json.loads(local.text)
        for start in range(0, len(missing), _BATCH_GET):
            for key, local in self._l2_get_batch(missing[start : start + _BATCH_GET], now).items():
                self._l1_put(key, local, now)
                found[key] = json.loads(local.text)
        return found

    def _l2_get_batch(self, keys: list[str], now: float) -> dict[str, _Local]:
        from describe_it.observability import error_fields, logger

        table = table_name()
        request: dict[str, Any] = {table: {"Keys": [item_key(PREFIX + key) for key in keys]}}
        out: dict[str, _Local] = {}
        try:
            while request:
                response = self._client().batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(table, []):
                    item = from_dynamo(raw)
                    local = self._local_of(item, now)
                    if local is not None:
                        out[str(item["pk"]).removeprefix(PREFIX)] = local
                request = response.get("UnprocessedKeys") or {}  # throttled keys: ask again
        except dynamo_errors() as exc:
            logger.warning("cache batch read failed; treating as misses", extra=error_fields(exc))
        return out

    def _l1_get(self, key: str, now: float) -> _Local | None:
        with self._lock:
            local = self._l1.get(key)
            if local is None:
                return None
            if local.expires_at <= now:
                del self._l1[key]
                return None
            self._l1.move_to_end(key)
            return local

    def _l2_get(self, key: str, now: float) -> _Local | None:
        from describe_it.observability import error_fields, logger

        try:
            item = item_of(self._client().get_item(TableName=table_name(), Key=item_key(PREFIX + key)))
        except dynamo_errors() as exc:
            logger.warning("cache read failed; treating as a miss", extra=error_fields(exc))
            return None
        return None if item is None else self._local_of(item, now)

    def _local_of(self, item: dict[str, Any], now: float) -> _Local | None:
        from describe_it.observability import error_fields, logger

        if not is_live(item, now):
            return None
        try:
            text = zlib.decompress(bytes(item["v"])).decode()
        except (KeyError, TypeError, zlib.error, UnicodeDecodeError) as exc:
            logger.warning("unreadable cache item; treating as a miss", extra=error_fields(exc))
            return None
        expires = float(item["ttl"]) if "ttl" in item else now + self._l1_max_ttl_s
        created = float(item.get("createdAt", now))
        return _Local(text, created, float(item.get("freshUntil", expires)), expires)

    # -- writes ----------------------------------------------------------------------------------

    def put(self, key: str, value: Any, ttl_s: int, *, fresh_s: int | None = None) -> None:
        """Store ``value`` for ``ttl_s`` seconds; it reads as fresh for ``fresh_s`` (default: all)."""
        from describe_it.observability import error_fields, logger

        item = self._stored(key, value, ttl_s, fresh_s)
        try:
            self._client().put_item(TableName=table_name(), Item=item)
        except dynamo_errors() as exc:
            logger.warning("cache write failed; value kept in this process only", extra=error_fields(exc))

    def put_many(self, values: Mapping[str, Any], ttl_s: int) -> None:
        """``put`` for several keys, in BatchWriteItem calls of 25 (one round trip per 25 keys)."""
        from describe_it.observability import error_fields, logger

        items = [{"PutRequest": {"Item": self._stored(k, v, ttl_s, None)}} for k, v in values.items()]
        client, table = self._client(), table_name()
        try:
            for start in range(0, len(items), _BATCH):
                _write_batch(client, table, items[start : start + _BATCH])
        except dynamo_errors() as exc:
            logger.warning("cache write failed; values kept in this process only", extra=error_fields(exc))

    def _stored(self, key: str, value: Any, ttl_s: int, fresh_s: int | None) -> dict[str, Any]:
        """Put ``value`` in L1 and return its DynamoDB item."""
        now = self._clock()
        text = _encode(value)  # not-JSON values are a caller bug: let that raise
        expires = ttl_at(now + ttl_s)
        fresh_until = now + (ttl_s if fresh_s is None else min(fresh_s, ttl_s))
        self._l1_put(key, _Local(text, now, fresh_until, expires), now)
        return to_dynamo(
            {
                "pk": PREFIX + key,
                "v": zlib.compress(text.encode(), 6),
                "createdAt": epoch(now),
                "freshUntil": epoch(fresh_until),
                "ttl": expires,
            }
        )

    def _l1_put(self, key: str, local: _Local, now: float) -> None:
        local = _Local(local.text, local.created_at, local.fresh_until, local.expires_at)
        local.expires_at = min(local.expires_at, now + self._l1_max_ttl_s)
        with self._lock:
            self._l1[key] = local
            self._l1.move_to_end(key)
            while len(self._l1) > self._max_items:
                self._l1.popitem(last=False)

    def delete(self, key: str) -> None:
        from describe_it.observability import error_fields, logger

        with self._lock:
            self._l1.pop(key, None)
        try:
            self._client().delete_item(TableName=table_name(), Key=item_key(PREFIX + key))
        except dynamo_errors() as exc:
            logger.warning("cache delete failed", extra=error_fields(exc))

    def delete_prefix(self, prefix: str, deadline_s: float) -> tuple[int, bool]:
        """Delete every entry whose key starts with ``prefix``, until ``deadline_s`` have passed.

        Returns (deleted, complete); an incomplete purge can simply be run again.
        """
        from describe_it.observability import error_fields, logger

        with self._lock:
            for key in [k for k in self._l1 if k.startswith(prefix)]:
                del self._l1[key]
        stop_at = self._clock() + deadline_s
        deleted = 0
        client, table = self._client(), table_name()
        scan: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": "pk",
            "FilterExpression": "begins_with(pk, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": PREFIX + prefix}},
        }
        try:
            while True:
                page = client.scan(**scan)
                keys = [item["pk"] for item in page.get("Items", [])]  # already {"S": ...}
                for i in range(0, len(keys), _BATCH):
                    if self._clock() >= stop_at:
                        return deleted, False
                    _delete_batch(client, table, keys[i : i + _BATCH])
                    deleted += len(keys[i : i + _BATCH])
                if "LastEvaluatedKey" not in page:
                    return deleted, True
                if self._clock() >= stop_at:
                    return deleted, False
                scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except dynamo_errors() as exc:
            logger.warning("cache purge interrupted", extra={**error_fields(exc), "deleted": deleted})
            return deleted, False

    def clear_local(self) -> None:
        """Forget L1 (tests, and callers that must read through to DynamoDB)."""
        with self._lock:
            self._l1.clear()


def _delete_batch(client: Any, table: str, keys: list[Any]) -> None:
    _write_batch(client, table, [{"DeleteRequest": {"Key": {"pk": pk}}} for pk in keys])


def _write_batch(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    """One BatchWriteItem, resending what DynamoDB left unprocessed (it may, when throttled)."""
    while requests:
        response = client.batch_write_item(RequestItems={table: requests})
        requests = response.get("UnprocessedItems", {}).get(table, [])


@cache
def get_cache() -> TwoTierCache:
    return TwoTierCache()

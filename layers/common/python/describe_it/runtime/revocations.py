"""Revoked refresh-token families (spec §2.1): ``revoked#<sid>`` items that kill access tokens at once.

Every access-token check asks ``is_revoked(sid)``. Warm functions cache the answer: a "revoked"
answer for the item's whole lifetime (it cannot become un-revoked), a "not revoked" answer for at
most 30 s (the delay the spec allows between sign-out and the token dying everywhere).

DynamoDB is a cache of revocations; the truth is the session's refresh-token family in PostgreSQL
(correction 8). When DynamoDB is unreachable the check reads the family's rows instead (through
``session_is_live``, which every database role may call), so an outage of DynamoDB does not sign
everybody out, and a revoked session stays refused.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from uuid import UUID

from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    is_live,
    item_key,
    item_of,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "revoked#"
DEFAULT_TTL_S = 3900  # access-token lifetime (1 h) + leeway
NEGATIVE_CACHE_S = 30
# After DynamoDB failed once, ask PostgreSQL directly for a few seconds: every request would
# otherwise wait out DynamoDB's timeouts before falling back.
DYNAMO_BACKOFF_S = 5
_MAX_LOCAL = 10_000

SessionCheck = Callable[[UUID], bool]  # family id → still signed in?


@dataclass
class _Answer:
    revoked: bool
    valid_until: float


def session_is_live(sid: UUID) -> bool:
    """The truth, from PostgreSQL, as whichever database role this function is configured with."""
    from describe_it.auth import repository
    from describe_it.db.tx import transaction
    from describe_it.settings import get_settings

    role = get_settings().configured_db_role()
    if role is None:
        raise DependencyDown("Token revocation check unavailable", retry_after=5)
    with transaction(role) as conn:
        return repository.session_is_live(conn, sid)


class Revocations:
    def __init__(
        self,
        client_factory: ClientFactory = state_client,
        *,
        clock: Clock = time.time,
        session_check: SessionCheck = session_is_live,
    ) -> None:
        self._client = client_factory
        self._clock = clock
        self._session_check = session_check
        self._local: OrderedDict[UUID, _Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._dynamo_down_until = 0.0

    def revoke_family(self, sid: UUID, ttl_s: int = DEFAULT_TTL_S) -> None:
        """Write ``revoked#<sid>``. Raises ``DependencyDown`` if it cannot: a sign-out or password
        reset must not report success while the old access tokens stay valid."""
        now = self._clock()
        expires = ttl_at(now + ttl_s)
        try:
            self._client().put_item(
                TableName=table_name(),
                Item=to_dynamo({"pk": f"{PREFIX}{sid}", "revokedAt": epoch(now), "ttl": expires}),
            )
        except dynamo_errors() as exc:
            raise _down(exc) from exc
        self._remember(sid, _Answer(True, expires))

    def is_revoked(self, sid: UUID) -> bool:
        now = self._clock()
        with self._lock:
            cached = self._local.get(sid)
        if cached is not None and now < cached.valid_until:
            return cached.revoked
        if now < self._dynamo_down_until:
            return self._from_database(sid, cached, now)
        try:
            response = self._client().get_item(
                TableName=table_name(), Key=item_key(f"{PREFIX}{sid}"), ConsistentRead=True
            )
        except dynamo_errors() as exc:
            from describe_it.observability import logger

            logger.warning(
                "revocation cache unavailable; checking the session in the database",
                extra={"error": type(exc).__name__},
            )
            self._dynamo_down_until = now + DYNAMO_BACKOFF_S
            return self._from_database(sid, cached, now)
        item = item_of(response)
        if item is not None and is_live(item, now):
            answer = _Answer(True, float(item["ttl"]))
        else:
            answer = _Answer(False, now + NEGATIVE_CACHE_S)
        self._remember(sid, answer)
        return answer.revoked

    def _from_database(self, sid: UUID, cached: _Answer | None, now: float) -> bool:
        try:
            revoked = not self._session_check(sid)
        except DependencyDown:
            # Both stores are down. Only an answer this function has already seen for this family
            # may stand in (the token was valid moments ago); with none, refuse (503) rather than
            # accept a token nobody could check: sign-out must be able to kill a stolen token.
            if cached is not None:
                from describe_it.observability import logger

                logger.warning("revocation check unavailable; using the last known answer")
                return cached.revoked
            raise
        answer = _Answer(revoked, now + (DEFAULT_TTL_S if revoked else NEGATIVE_CACHE_S))
        self._remember(sid, answer)
        return revoked

    def clear_local_cache(self) -> None:
        with self._lock:
            self._local.clear()
        self._dynamo_down_until = 0.0

    def _remember(self, sid: UUID, answer: _Answer) -> None:
        with self._lock:
            self._local[sid] = answer
            self._local.move_to_end(sid)
            while len(self._local) > _MAX_LOCAL:
                self._local.popitem(last=False)


def _down(exc: Exception) -> DependencyDown:
    from describe_it.observability import logger

    logger.warning("revocation store unavailable", extra={"error": type(exc).__name__})
    return DependencyDown("Token revocation check unavailable", retry_after=5)


@cache
def get_revocations() -> Revocations:
    return Revocations()


def revoke_family(sid: UUID, ttl_s: int = DEFAULT_TTL_S) -> None:
    get_revocations().revoke_family(sid, ttl_s)


def is_revoked(sid: UUID) -> bool:
    return get_revocations().is_revoked(sid)


def clear_local_cache() -> None:
    get_revocations().clear_local_cache()

"""Revoked refresh-token families (spec §2.1) against the real moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from describe_it.errors import DependencyDown
from describe_it.runtime import revocations
from describe_it.runtime.revocations import Revocations
from infra.local.stack import Stack
from tests.integration.runtime.conftest import FakeClock, Switch, delete_item, stored_item


def test_a_revoked_family_is_seen_by_every_function(dynamodb: Any, clock: FakeClock) -> None:
    sid, other = uuid4(), uuid4()
    Revocations(lambda: dynamodb, clock=clock).revoke_family(sid)

    checker = Revocations(lambda: dynamodb, clock=clock)
    assert checker.is_revoked(sid) is True
    assert checker.is_revoked(other) is False

    item = stored_item(dynamodb, f"revoked#{sid}")
    assert item is not None
    assert int(item["ttl"]["N"]) == int(clock.now) + 3900


def test_a_not_revoked_answer_is_trusted_for_at_most_30_s(dynamodb: Any, clock: FakeClock) -> None:
    sid = uuid4()
    api = Revocations(lambda: dynamodb, clock=clock)
    assert api.is_revoked(sid) is False  # cached by this warm function

    Revocations(lambda: dynamodb, clock=clock).revoke_family(sid)  # sign-out, in the auth function
    clock.advance(29)
    assert api.is_revoked(sid) is False
    clock.advance(1)
    assert api.is_revoked(sid) is True


def test_a_revoked_answer_is_kept_until_the_item_expires(dynamodb: Any, clock: FakeClock) -> None:
    sid = uuid4()
    Revocations(lambda: dynamodb, clock=clock).revoke_family(sid, ttl_s=600)
    api = Revocations(lambda: dynamodb, clock=clock)
    assert api.is_revoked(sid) is True

    delete_item(dynamodb, f"revoked#{sid}")
    clock.advance(599)
    assert api.is_revoked(sid) is True  # no read needed: it cannot become un-revoked
    clock.advance(1)
    assert api.is_revoked(sid) is False


def test_an_expired_item_still_in_the_table_is_ignored(dynamodb: Any, clock: FakeClock) -> None:
    sid = uuid4()
    Revocations(lambda: dynamodb, clock=clock).revoke_family(sid, ttl_s=60)
    clock.advance(60)
    assert stored_item(dynamodb, f"revoked#{sid}") is not None
    assert Revocations(lambda: dynamodb, clock=clock).is_revoked(sid) is False


def _sid(access_token: str) -> UUID:
    import jwt

    return UUID(jwt.decode(access_token, options={"verify_signature": False})["sid"])


@pytest.mark.usefixtures("clean")
def test_during_an_outage_the_session_rows_answer(switch: Switch, clock: FakeClock) -> None:
    from tests.support.api import call, session_for, signin

    live = _sid(session_for("ana@example.com")["access_token"])
    ended = signin("ana@example.com").data["session"]
    call("POST", "/api/auth/signout", {}, token=ended["access_token"])
    api = Revocations(switch, clock=clock)

    switch.down = True  # DynamoDB is gone; PostgreSQL holds the truth (correction 8)
    assert api.is_revoked(live) is False
    assert api.is_revoked(_sid(ended["access_token"])) is True
    assert api.is_revoked(uuid4()) is True  # a family nobody has: not a live session


@pytest.fixture
def database_down(settings_env: Callable[..., None]) -> Iterator[None]:
    from describe_it.db.pool import close_pools

    closed = "host=127.0.0.1 port=9 dbname=x user=x password=x connect_timeout=1"
    close_pools()
    settings_env(DB_APP_URL=closed, DB_AUTH_URL=closed, DB_ADMIN_URL=closed, DB_CONNECT_TIMEOUT_S="1")
    yield
    close_pools()


def test_with_both_stores_down_only_known_answers_are_given(
    switch: Switch, clock: FakeClock, database_down: None
) -> None:
    known, unknown = uuid4(), uuid4()
    api = Revocations(switch, clock=clock)
    assert api.is_revoked(known) is False  # seen while DynamoDB was up

    switch.down = True
    clock.advance(300)
    assert api.is_revoked(known) is False  # the last answer this function saw
    with pytest.raises(DependencyDown) as raised:
        api.is_revoked(unknown)  # never checked: refuse rather than accept blindly
    assert raised.value.status == 503


def test_revoking_without_dynamodb_is_an_error(dead_client: Callable[[], Any], clock: FakeClock) -> None:
    with pytest.raises(DependencyDown):
        Revocations(dead_client, clock=clock).revoke_family(uuid4())


@pytest.fixture
def default_revocations(dynamo: Stack) -> Iterator[None]:
    revocations.clear_local_cache()
    yield
    revocations.clear_local_cache()


def test_the_module_functions_use_the_configured_table(default_revocations: None) -> None:
    sid = uuid4()
    assert revocations.is_revoked(sid) is False
    revocations.revoke_family(sid)
    assert revocations.is_revoked(sid) is True  # the writer's own cache is updated at once
    revocations.clear_local_cache()
    assert revocations.is_revoked(sid) is True

"""Bearer tokens through a real route via Mangum (corrections 2 and 3): every malformed token is a
401, and a request with a token is counted against its IP before the token is verified."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from describe_it.aws import client, state_table_name
from describe_it.identity import ip_key
from tests.support.api import call, session_for
from tests.support.limits import window_start
from tests.support.tokens import header_segments, token_with_header

_addresses = (f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in itertools.count(1))
PAYLOAD = {"iss": "https://describe-it.local", "aud": "describe-it-api", "sub": "x", "sid": "y"}


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(segment=header_segments("k-anything"))
def test_every_malformed_token_is_401_through_the_route(stack: Any, segment: str) -> None:
    reply = call("GET", "/api/auth/me", token=token_with_header(segment, PAYLOAD), source_ip=next(_addresses))
    assert reply.status == 401, reply
    assert reply.json["code"] == "INVALID_TOKEN"


@pytest.mark.usefixtures("stack")
@pytest.mark.parametrize(
    "header",
    ['{"alg":"ES256","typ":"at+jwt","kid":[]}', '{"alg":["ES256"],"typ":"at+jwt","kid":"k"}', "[1]", "null"],
)
def test_known_crashers_are_401(header: str) -> None:
    from tests.support.tokens import b64

    token = token_with_header(b64(header.encode()), PAYLOAD)
    reply = call("GET", "/api/auth/me", token=token, source_ip=next(_addresses))
    assert reply.status == 401, reply


# --- correction 3: the per-IP burst comes before verification -----------------------------------------


def _counted(principal: str, attribute: str) -> int:
    """``attribute`` summed over the principal's one-minute windows."""
    items = client("dynamodb").scan(TableName=state_table_name(), ConsistentRead=True)["Items"]
    return sum(
        int(item[attribute]["N"])
        for item in items
        if item["pk"]["S"].startswith(f"rl#60#{principal}#") and attribute in item
    )


def _ip_principal(ip: str) -> str:
    from describe_it.settings import get_settings

    return f"ip:{ip_key(ip, get_settings().ip_hash_secret.get_secret_value())}"


@pytest.mark.usefixtures("clean")
def test_a_bad_token_is_charged_to_its_ip_before_it_is_verified() -> None:
    reply = call("GET", "/api/auth/me", token="not.a.token", source_ip="198.51.100.77")
    assert reply.status == 401
    assert _counted(_ip_principal("198.51.100.77"), "burst-ip") == 1


@pytest.mark.usefixtures("clean")
def test_a_good_token_costs_one_ip_count_then_the_users_own_limits() -> None:
    session = session_for("ana@example.com")
    me = call("GET", "/api/auth/me", token=session["access_token"], source_ip="198.51.100.78")
    assert me.status == 200
    user = f"u:{me.data['user']['id']}"
    assert _counted(_ip_principal("198.51.100.78"), "burst-ip") == 1
    assert (_counted(user, "burst"), _counted(user, "read")) == (1, 1)
    assert int(me.headers["x-ratelimit-limit"]) == 240  # the user's tier, not the IP rule


@pytest.mark.usefixtures("clean")
def test_a_flood_of_bad_tokens_is_refused_at_the_ip_limit_without_verifying() -> None:
    ip = "198.51.100.79"
    window = window_start(60)  # the minute the limiter counts in
    client("dynamodb").put_item(
        TableName=state_table_name(),
        Item={
            "pk": {"S": f"rl#60#{_ip_principal(ip)}#{window}"},
            "burst-ip": {"N": "480"},
            "ttl": {"N": str(window + 120)},
        },
    )
    refused = call("GET", "/api/auth/me", token="not.a.token", source_ip=ip)
    assert refused.status == 429, refused
    assert refused.json["details"][0]["code"] == "burst-ip"
    assert int(refused.headers["retry-after"]) >= 1
    # The same network without a token is a guest, limited by its own `burst`.
    guest = call("GET", "/api/auth/verify-email", source_ip=ip)
    assert guest.status == 303

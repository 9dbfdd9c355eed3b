"""A read's rate-limit charge runs beside its work (http/guards.py ``charge_beside``); a write's before it.

Real DynamoDB (moto's server) counts, real PostgreSQL reads and writes. The over-limit answer is the
429 whatever the read produced; a refused write changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.aws import client, state_table_name
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import ip_key
from describe_it.runtime import rate_limit
from describe_it.runtime.limits import Rule
from describe_it.settings import get_settings
from infra.local.functions import LambdaContext
from tests.support.api import call, session_for
from tests.support.lambda_invoke import Reply, http_event
from tests.support.limits import window_start

GUEST_IP = "198.51.100.90"
# Both sides wait for the other; a sequential charge would leave one waiting alone until this runs out.
MEET_TIMEOUT_S = 60

router = api_router()
served: list[str] = []
meeting: dict[str, threading.Barrier] = {}


@router.get("/api/probe/read", openapi_extra=policy(auth="none", rate_class="read"))
def read(request: Request, n: int = 0) -> Response:
    if "read" in meeting:
        meeting["read"].wait()
    served.append("read")
    return ok(request, {"n": n})


@router.post("/api/probe/write", openapi_extra=policy(auth="none", rate_class="write"))
def write(request: Request) -> Response:
    served.append("write")
    return ok(request, {})


probe_handler = make_handler(create_app(router))


def _probe(method: str, path: str, query: str = "") -> Reply:
    body = {} if method == "POST" else None
    return Reply(
        probe_handler(http_event(method, path, body=body, query=query, source_ip=GUEST_IP), LambdaContext())
    )


class _MeetingLimiter:
    """The real limiter (real DynamoDB) that, for a read's charge, first waits for the read to start."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self._real = rate_limit.RateLimiter()
        self._barrier = barrier

    def hit(self, key: str, rules: list[Rule], **kwargs: Any) -> rate_limit.Decision:
        if any(rule.name == "read" for rule in rules):
            self._barrier.wait()
        return self._real.hit(key, rules, **kwargs)


def _spend(principal: str, attribute: str, count: int) -> None:
    """Set ``attribute`` of the principal's one-minute item to ``count`` (the window the limiter counts in)."""
    window = window_start(60)
    client("dynamodb").put_item(
        TableName=state_table_name(),
        Item={
            "pk": {"S": f"rl#60#{principal}#{window}"},
            attribute: {"N": str(count)},
            "ttl": {"N": str(window + 120)},
        },
    )


def _guest() -> str:
    return f"ip:{ip_key(GUEST_IP, get_settings().ip_hash_secret.get_secret_value())}"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    served.clear()
    meeting.clear()
    yield
    meeting.clear()


@pytest.mark.usefixtures("clean")
def test_a_read_is_charged_while_it_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The charge waits for the read to begin and the read for the charge: charged first, then read,
    # neither would ever meet the other.
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    meeting["read"] = barrier
    monkeypatch.setattr(rate_limit, "get_rate_limiter", lambda: _MeetingLimiter(barrier))
    reply = _probe("GET", "/api/probe/read", "n=3")
    assert reply.status == 200, reply
    assert reply.data == {"n": 3}
    assert served == ["read"]
    assert reply.headers["x-ratelimit-limit"] == "60"  # the guest's read rule, the tightest
    assert reply.headers["x-ratelimit-remaining"] == "59"


@pytest.mark.usefixtures("clean")
def test_a_read_over_the_limit_is_429_and_what_it_read_is_dropped() -> None:
    _spend(_guest(), "read", 60)
    reply = _probe("GET", "/api/probe/read", "n=3")
    assert reply.status == 429, reply
    assert reply.json["details"][0]["code"] == "read"
    assert "data" not in reply.json
    assert reply.headers["x-ratelimit-remaining"] == "0"
    assert int(reply.headers["retry-after"]) >= 1
    assert served == ["read"]  # it did read, beside the charge: the answer is what was dropped


@pytest.mark.usefixtures("clean")
def test_a_read_that_fails_over_the_limit_is_still_429() -> None:
    assert _probe("GET", "/api/probe/read", "n=many").status == 400  # the read's own error
    _spend(_guest(), "read", 60)
    reply = _probe("GET", "/api/probe/read", "n=many")
    assert reply.status == 429, reply
    assert reply.json["details"][0]["code"] == "read"


@pytest.mark.usefixtures("clean")
def test_a_write_is_charged_before_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    _spend(_guest(), "write", 60)
    reply = _probe("POST", "/api/probe/write")
    assert reply.status == 429, reply
    assert served == []  # refused before the handler ran


@pytest.mark.usefixtures("clean")
def test_a_signed_in_read_over_its_limit_is_429() -> None:
    session = session_for("ana@example.com")
    me = call("GET", "/api/auth/me", token=session["access_token"], source_ip="198.51.100.91")
    assert me.status == 200, me
    _spend(f"u:{me.data['user']['id']}", "read", 300)  # the free tier's read limit
    refused = call("GET", "/api/auth/me", token=session["access_token"], source_ip="198.51.100.91")
    assert refused.status == 429, refused
    assert refused.json["details"][0]["code"] == "read"
    assert "data" not in refused.json


@pytest.mark.usefixtures("clean")
def test_a_refused_write_leaves_no_trace() -> None:
    session = session_for("ana@example.com")
    token = session["access_token"]
    me = call("GET", "/api/auth/me", token=token, source_ip="198.51.100.92")
    _spend(f"u:{me.data['user']['id']}", "write", 60)  # the free tier's write limit
    refused = call(
        "PATCH", "/api/auth/me", {"fullName": "Ana Refused"}, token=token, source_ip="198.51.100.92"
    )
    assert refused.status == 429, refused
    after = call("GET", "/api/auth/me", token=token, source_ip="198.51.100.92")
    assert after.status == 200, after
    assert after.data["user"] == me.data["user"]

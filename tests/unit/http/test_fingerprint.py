"""The idempotency fingerprint (correction 9): same request, same value; keyed by the server secret."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.requests import Request

from describe_it.http.guards import fingerprint
from describe_it.settings import get_settings

BODY = {"email": "ana@example.com", "password": "correct horse battery staple", "fullName": "Ana"}


def request(body: Any, query: str = "") -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/auth/signup",
        "query_string": query.encode(),
        "headers": [],
    }
    req = Request(scope)
    req._json = body  # what ApiRoute's JSON parsing leaves for FastAPI
    return req


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch):
    def use(value: str) -> None:
        monkeypatch.setattr(get_settings(), "ip_hash_secret", SecretStr(value))

    use("server-secret-one")
    return use


def test_the_same_request_has_the_same_fingerprint(secret):
    reordered = dict(reversed(BODY.items()))
    assert fingerprint(request(BODY, "b=2&a=1")) == fingerprint(request(reordered, "a=1&b=2"))


def test_another_body_or_query_has_another_fingerprint(secret):
    base = fingerprint(request(BODY))
    assert fingerprint(request({**BODY, "password": "correct horse battery stapler"})) != base
    assert fingerprint(request(BODY, "dryRun=true")) != base


def test_the_fingerprint_is_not_a_plain_hash_of_the_body(secret):
    canonical = json.dumps(BODY, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    plain = hashlib.sha256(f"{canonical}\n".encode()).hexdigest()
    assert fingerprint(request(BODY)) != plain


def test_the_fingerprint_depends_on_the_server_secret(secret):
    one = fingerprint(request(BODY))
    secret("server-secret-two")
    assert fingerprint(request(BODY)) != one

"""Fixtures of the vocabulary, review and search tests: signed-up learners and helpers to build lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support.api import call, signup
from tests.support.lambda_invoke import Reply


@dataclass
class Learner:
    token: str
    id: UUID
    username: str

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return call(method, path, body, token=self.token, **kwargs)

    def new_list(self, name: str = "Animales", **fields: Any) -> dict[str, Any]:
        reply = self.call("POST", "/api/vocabulary/lists", {"name": name, **fields})
        assert reply.status == 201, reply
        return reply.data  # type: ignore[no-any-return]

    def save(self, list_id: str, *words: tuple[str, str]) -> list[dict[str, Any]]:
        items = [{"phrase": es, "translation": en} for es, en in words]
        reply = self.call("POST", "/api/vocabulary/save", {"listId": list_id, "vocabularyItems": items})
        assert reply.status == 201, reply
        return reply.data["created"]  # type: ignore[no-any-return]


@pytest.fixture
def make_learner(clean: Stack) -> Callable[..., Learner]:
    def make(username: str, time_zone: str = "UTC") -> Learner:
        reply = signup(f"{username}@example.com", username=username, timeZone=time_zone)
        assert reply.status == 201, reply
        token = reply.data["session"]["access_token"]
        return Learner(token, UUID(reply.data["user"]["id"]), username)

    return make


@pytest.fixture
def ana(make_learner: Callable[..., Learner]) -> Learner:
    return make_learner("ana")


@pytest.fixture
def ben(make_learner: Callable[..., Learner]) -> Learner:
    return make_learner("ben")


@pytest.fixture
def admin_sql(clean: Stack) -> Callable[..., list[tuple[Any, ...]]]:
    """Run SQL as the superuser (to look behind row-level security in assertions)."""

    def run(query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(clean.admin_dsn(), autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    return run

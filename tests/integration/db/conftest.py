"""Fixtures for the database tests: throwaway databases and settings pointed elsewhere for one test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from infra.local.stack import Stack


@pytest.fixture
def empty_database(stack: Stack) -> Iterator[str]:
    """A new, empty database on the test server (roles exist cluster-wide); yields its admin DSN."""
    name = f"describeit_scratch_{uuid4().hex[:12]}"
    with psycopg.connect(stack.server.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield stack.server.admin_dsn_for(name)
    finally:
        with psycopg.connect(stack.server.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``settings_env(NAME=value or None)``: change settings through the environment for one test.

    ``None`` removes a variable. The stack's settings (and AWS clients) come back after the test.
    """
    from describe_it.aws import reset_clients
    from describe_it.settings import get_settings

    def apply(**values: str | None) -> None:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_clients()

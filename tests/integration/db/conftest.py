"""Fixtures for the database tests: throwaway databases and settings pointed elsewhere for one test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
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
def records() -> Iterator[list[logging.LogRecord]]:
    """What the service logged during the test (the Powertools logger's records, extras included)."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(level=logging.DEBUG)
    logging.getLogger("describe-it").addHandler(handler)
    try:
        yield seen
    finally:
        logging.getLogger("describe-it").removeHandler(handler)

"""Fixtures shared by every test: the local stack (real PostgreSQL + moto on loopback) and clean state."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from infra.local import stack as local_stack

TEST_DATABASE = "describeit_test"


@pytest.fixture(scope="session")
def stack() -> Iterator[local_stack.Stack]:
    """PostgreSQL (embedded, or DATABASE_URL) with a fresh, migrated test database; moto for AWS."""
    saved = dict(os.environ)
    running = local_stack.start(TEST_DATABASE, fresh=True)
    local_stack.export(running.env)
    try:
        yield running
    finally:
        from describe_it.db.pool import close_pools

        close_pools()
        running.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def db(stack: local_stack.Stack) -> Iterator[local_stack.Stack]:
    """A stack whose user data is empty at the start of the test (tables truncated as the owner)."""
    from tests.support.state import truncate_user_tables

    truncate_user_tables(stack.admin_dsn())
    yield stack


@pytest.fixture
def dynamo(stack: local_stack.Stack) -> Iterator[local_stack.Stack]:
    """A stack whose DynamoDB state table is empty at the start of the test."""
    from tests.support.state import empty_state_table

    empty_state_table()
    yield stack


@pytest.fixture
def clean(db: local_stack.Stack, dynamo: local_stack.Stack) -> local_stack.Stack:
    """Both stores empty: what most HTTP tests want."""
    return db

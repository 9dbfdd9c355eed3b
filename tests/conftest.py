"""Fixtures shared by every test: the local stack (real PostgreSQL + moto on loopback) and clean state."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from infra.local import stack as local_stack

if TYPE_CHECKING:
    from tests.support.fake_anthropic import FakeAnthropic

# The scan of the whole run's logs for secrets (tests/support/log_scan.py): a failing exit status
# when any secret, password, token or DSN of this run shows up in a log line or captured output.
pytest_plugins = ["tests.support.log_scan"]

# One database per test run, so parallel runs on one machine never drop each other's data.
TEST_DATABASE = f"describeit_test_{os.getpid()}"


def _local_dir() -> Path:
    """Each pytest-xdist worker (``make test``) has an embedded PostgreSQL cluster of its own: tests
    change role passwords, restart and stop the server, which no other worker may see."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return local_stack.LOCAL_DIR / f"test-{worker}" if worker else local_stack.LOCAL_DIR


@pytest.fixture(scope="session")
def stack() -> Iterator[local_stack.Stack]:
    """PostgreSQL (embedded, or DATABASE_URL) with a fresh, migrated test database; moto for AWS."""
    saved = dict(os.environ)
    running = local_stack.start(TEST_DATABASE, fresh=True, local_dir=_local_dir())
    from tests.support.log_scan import register_stack

    register_stack(running)
    # Tests never reach the internet: providers point at a closed loopback port unless a test
    # starts its own fake provider.
    closed = "http://127.0.0.1:9"
    local_stack.export({**running.env, "ANTHROPIC_BASE_URL": closed, "UNSPLASH_BASE_URL": closed})
    try:
        yield running
    finally:
        from describe_it.db.pool import close_pools

        close_pools()
        local_stack.drop_database(running.server, TEST_DATABASE)
        running.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def one_limit_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared rate limiter counts at one instant for the whole test.

    Its windows are fixed (a minute, an hour, a UTC day): on the wall clock, a test that sends a limit's
    worth of requests across a window boundary sees the count start again and no 429 — a failure that
    says nothing about the code (the circuit breaker's windows gave one such flake). Tests of the windows
    themselves build a ``RateLimiter`` with a fake clock; helpers that prefill a window ask
    ``tests.support.limits.window_start``.
    """
    import time

    from describe_it.runtime.rate_limit import get_rate_limiter

    now = time.time()
    monkeypatch.setattr(get_rate_limiter(), "_clock", lambda: now)


@pytest.fixture
def db(stack: local_stack.Stack) -> Iterator[local_stack.Stack]:
    """A stack whose user data is empty at the start of the test (tables truncated as the owner)."""
    from tests.support.state import truncate_user_tables

    truncate_user_tables(stack.admin_dsn())
    return stack


@pytest.fixture
def dynamo(stack: local_stack.Stack) -> Iterator[local_stack.Stack]:
    """A stack whose DynamoDB state table is empty at the start of the test."""
    from tests.support.state import empty_state_table

    empty_state_table()
    return stack


@pytest.fixture
def clean(db: local_stack.Stack, dynamo: local_stack.Stack) -> local_stack.Stack:
    """Both stores empty: what most HTTP tests want."""
    return db


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch):
    """E-mail is queued and drained for real; the last hop delivers here instead of SES/console."""
    from describe_it.email import outbox
    from tests.support.mail import Mailbox

    box = Mailbox()
    monkeypatch.setattr(outbox, "get_sender", lambda: box)
    return box


@pytest.fixture
def verification_required(monkeypatch: pytest.MonkeyPatch):
    """Sign-in needs a verified address (the AWS default; the local stack turns it off)."""
    from describe_it.settings import get_settings

    monkeypatch.setattr(get_settings(), "auth_require_verified_email", True)


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
        reset_clients()  # clients built for the old endpoint must not outlive it

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_clients()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """The fake Messages API on loopback (tests/support/fake_anthropic.py), with the settings'
    ``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_API_KEY`` pointing at it for this test."""
    from describe_it.settings import get_settings
    from tests.support.fake_anthropic import FakeAnthropic

    with FakeAnthropic() as fake, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        patch.setenv("ANTHROPIC_API_KEY", fake.api_key)
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()

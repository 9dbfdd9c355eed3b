"""Fixtures of the settings and provider-key tests: a signed-in user, a fake provider, captured logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.integration.settings import fake_provider
from tests.support.api import session_for


@pytest.fixture
def token(clean) -> str:
    return session_for()["access_token"]


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[fake_provider.FakeProvider]:
    """The fake Anthropic/Unsplash on loopback, with the base-URL settings pointing at it."""
    from describe_it.settings import get_settings

    fake = fake_provider.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "anthropic_base_url", fake.base_url)
    monkeypatch.setattr(settings, "unsplash_base_url", fake.base_url)
    monkeypatch.setattr(settings, "api_keys_validate_timeout_s", 1.0)
    yield fake
    fake.stop()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The message, every extra field, and the traceback: all of what a log line could carry.
        text = f"{record.getMessage()} {record.__dict__!r}"
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def captured_logs() -> Iterator[list[str]]:
    """Every log record at DEBUG and above: the service's logger, httpx/httpcore and the root logger."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in ("", "describe-it", "httpx", "httpcore", "botocore")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)

"""The e-mail sender in the aws stage sends only where EMAIL_SENDER says: unset, it refuses to run and
"console" refuses to start, so no e-mail is printed, marked sent and lost; the queue keeps it."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from describe_it.settings import SettingsError
from infra.local.functions import LambdaContext, load_function
from infra.local.stack import Stack
from tests.support.api import call, session_for
from tests.support.mail import Mailbox

pytestmark = pytest.mark.usefixtures("clean")

# What the template gives every function in AWS; the database logins stay the local stack's DSNs.
AWS_ENV = {
    "STAGE": "aws",
    "APP_BASE_URL": "https://app.example.com",
    "API_BASE_URL": "https://api.example.com",
    "JWT_ISSUER": "https://app.example.com",
    "DB_ROLE": "auth",
}


def _outbox(stack: Stack) -> list[tuple[str, int]]:
    with psycopg.connect(stack.admin_dsn()) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT status, attempts FROM email_outbox").fetchall()]


@pytest.mark.filterwarnings("ignore:No application metrics")  # the handler stopped before sending any
@pytest.mark.parametrize("email_sender", [None, "console"])
def test_without_ses_configured_nothing_is_sent_or_lost(
    stack: Stack,
    mailbox: Mailbox,
    settings_env: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    email_sender: str | None,
) -> None:
    mailbox.fail_next = 1  # the post-commit drain fails once: the reset e-mail stays queued
    session_for("ana@example.com")
    call("POST", "/api/auth/forgot-password", {"email": "ana@example.com"})
    assert _outbox(stack) == [("pending", 1)]
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute("UPDATE email_outbox SET next_attempt_at = now()")

    from describe_it.email import outbox, sender

    monkeypatch.setattr(outbox, "get_sender", sender.get_sender)  # the real choice, not the test's mailbox
    sender.get_sender.cache_clear()
    settings_env(**AWS_ENV, EMAIL_SENDER=email_sender)
    try:
        with pytest.raises(SettingsError, match="EMAIL_SENDER"):
            load_function("email_sender").lambda_handler({"source": "aws.events"}, LambdaContext())
    finally:
        sender.get_sender.cache_clear()

    assert _outbox(stack) == [("pending", 1)]
    assert mailbox.messages == []

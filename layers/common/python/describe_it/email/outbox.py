"""Drain ``email_outbox``: claim due rows, send, record the outcome (spec §17).

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so parallel drains never send one message twice;
a failure is retried with backoff 1 min × 2ⁿ, up to 10 attempts; the payload (which holds the
one-time link) is cleared once a row is sent or has finally failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from describe_it.email.sender import Sender, get_sender
from describe_it.email.templates import render
from describe_it.observability import error_fields, logger

MAX_ATTEMPTS = 10
BATCH = 25


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim(conn: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = conn.execute(
        """SELECT id, to_address::text AS to_address, template, locale::text AS locale, payload, attempts
             FROM email_outbox
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at
            LIMIT %s FOR UPDATE SKIP LOCKED""",
        [BATCH],
    ).fetchall()
    return rows


def _send_one(conn: Any, row: dict[str, Any], sender: Sender, result: DrainResult) -> None:
    try:
        message_id = sender.send(row["to_address"], render(row["template"], row["locale"], row["payload"]))
    except Exception as exc:
        attempts = row["attempts"] + 1
        final = attempts >= MAX_ATTEMPTS
        logger.warning(
            "e-mail send failed",
            extra={"outbox_id": str(row["id"]), "attempt": attempts, "final": final, **error_fields(exc)},
        )
        conn.execute(
            """UPDATE email_outbox SET attempts = %s, last_error = left(%s, 1000),
                      status = CASE WHEN %s THEN 'failed'::outbox_status ELSE status END,
                      payload = CASE WHEN %s THEN '{}'::jsonb ELSE payload END,
                      next_attempt_at = now() + make_interval(mins => power(2, %s - 1)::int)
                WHERE id = %s""",
            [attempts, type(exc).__name__, final, final, attempts, row["id"]],
        )
        if final:
            result.failed += 1
        else:
            result.retried += 1
        return
    conn.execute(
        """UPDATE email_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1,
                  provider_message_id = %s, payload = '{}'::jsonb WHERE id = %s""",
        [message_id, row["id"]],
    )
    result.sent += 1


def drain(sender: Sender | None = None, *, deadline_s: float = 50.0) -> DrainResult:
    """Send what is due, batch by batch, until nothing is due or the deadline passes."""
    from describe_it.db.tx import transaction

    sender = sender or get_sender()
    result = DrainResult()
    stop_at = time.monotonic() + deadline_s
    while time.monotonic() < stop_at:
        with transaction("auth") as conn:
            rows = _claim(conn)
            for row in rows:
                _send_one(conn, row, sender, result)
        if len(rows) < BATCH:
            break
    return result


def kick() -> None:
    """Ask for a drain right after a commit; the 1-minute schedule is the safety net if this fails."""
    from describe_it.settings import get_settings

    settings = get_settings()
    try:
        if settings.email_sender_function:
            from describe_it.aws import client

            client("lambda").invoke(
                FunctionName=settings.email_sender_function, InvocationType="Event", Payload=b"{}"
            )
        elif settings.stage == "local":
            drain(deadline_s=5.0)
    except Exception as exc:
        logger.warning(
            "e-mail drain could not be started now; the schedule will send it", extra=error_fields(exc)
        )

"""Where e-mail goes: Amazon SES in AWS, the console on a laptop (settings.email_sender)."""

from __future__ import annotations

import sys
from functools import cache
from typing import Protocol

from describe_it.email.templates import Rendered
from describe_it.settings import get_settings


class Sender(Protocol):
    def send(self, to: str, message: Rendered) -> str:
        """Send one message; returns the provider's message id. Raises on failure."""
        ...


class ConsoleSender:
    """Local stack: the e-mail is printed, so a developer can click the link."""

    def send(self, to: str, message: Rendered) -> str:
        print(
            f"\n--- e-mail to {to} ---\nSubject: {message.subject}\n\n{message.text}\n---",
            file=sys.stderr,
            flush=True,
        )
        return "console"


class SesSender:
    def __init__(self, from_address: str) -> None:
        self._from = from_address

    def send(self, to: str, message: Rendered) -> str:
        from describe_it.aws import client

        response = client("sesv2").send_email(
            FromEmailAddress=self._from,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                }
            },
        )
        return str(response["MessageId"])


@cache
def get_sender() -> Sender:
    settings = get_settings()
    if settings.email_backend() == "ses":
        return SesSender(settings.email_from)
    return ConsoleSender()

"""A recording e-mail sender for tests: the outbox, the drain and the templates all run for real;
only the last hop (SES, or the console) is replaced, so tests can read the links users would get."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from describe_it.email.templates import Rendered

TOKEN = re.compile(r"token=([A-Za-z0-9_-]+)")


@dataclass
class Mailbox:
    messages: list[tuple[str, Rendered]] = field(default_factory=list)
    fail_next: int = 0

    def send(self, to: str, message: Rendered) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("mail provider unavailable")
        self.messages.append((to, message))
        return f"msg-{len(self.messages)}"

    def to(self, address: str) -> list[Rendered]:
        return [m for t, m in self.messages if t == address]

    def last_token(self, address: str) -> str:
        for message in reversed(self.to(address)):
            found = TOKEN.search(message.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no e-mail with a token for {address}: {self.messages}")

"""Text rules shared by the writers: one-line cells for line formats, and how a value reads in a cell."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from describe_it.models import format_timestamp

# Every character a line-oriented reader (Quizlet, Anki's text import) would take as a cell or line break.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Tabs and line breaks become one space, so a cell cannot split a line or a column."""
    return _BREAKS.sub(" ", text).strip()


def cell_text(value: Any) -> str:
    """A value as it reads in a text cell: empty for null, RFC 3339 for times, ``; ``-joined lists."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, float):
        return str(round(value, 4))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "; ".join(cell_text(item) for item in value)
    return str(value)

"""The ``from``/``to`` query parameters of list routes (aliases ``dateFrom``/``dateTo``, spec §20).

Each is a date (``2025-11-25``: the whole UTC day) or an RFC 3339 timestamp with an offset; both ends
are inclusive. Routes declare ``period: TimeRange = Depends(time_range)`` and filter
``start <= t < end`` (``end`` is exclusive: the day after a ``to`` date, a microsecond after a
``to`` timestamp).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Query

from describe_it.errors import Detail, ValidationFailed
from describe_it.models import rule, server_rules, stripped

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The shapes a bound may take, for the document (a month 13 has the shape, so the server checks too).
_TIME = r"[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+ -][0-9]{2}:?[0-9]{2})"
INSTANT_PATTERN = stripped(rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}{_TIME}$")
BOUND_PATTERN = stripped(rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(?:{_TIME})?$")
_INVALID = "Must be a date (YYYY-MM-DD) or an RFC 3339 timestamp"


def _schema(field: str, *rules: dict[str, Any]) -> dict[str, Any]:
    """An empty value is no bound (below); the rest has a bound's shape and is a real instant."""
    return {
        "pattern": f"^$|{BOUND_PATTERN}",
        **server_rules(rule(field, "a real calendar date and time", message=_INVALID), *rules),
    }


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None  # inclusive
    end: datetime | None  # exclusive


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(field, message, "invalid_format")])


def parse_bound(value: str, field: str, *, upper: bool) -> datetime:
    """A date or an offset timestamp, as the first instant it includes (``upper``: the first after)."""
    text = value.strip()
    try:
        if _DATE.match(text):
            day = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            return day + timedelta(days=1) if upper else day
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(field, _INVALID) from None
    if moment.tzinfo is None:
        raise _bad(field, "A timestamp needs a time zone offset")
    return moment + timedelta(microseconds=1) if upper else moment


def time_range(
    from_: str | None = Query(
        None,
        alias="from",
        max_length=40,
        description="Date or RFC 3339 timestamp",
        json_schema_extra=_schema("from"),
    ),
    to: str | None = Query(
        None,
        max_length=40,
        description="Date or RFC 3339 timestamp (inclusive)",
        json_schema_extra=_schema("to", rule("to", "not before `from`", message="Before from")),
    ),
    date_from: str | None = Query(
        None, alias="dateFrom", max_length=40, description="Alias of from", json_schema_extra=_schema("from")
    ),
    date_to: str | None = Query(
        None,
        alias="dateTo",
        max_length=40,
        description="Alias of to",
        json_schema_extra=_schema("to", rule("to", "not before `from`", message="Before from")),
    ),
) -> TimeRange:
    low, high = from_ or date_from, to or date_to  # canonical names win over their aliases
    start = parse_bound(low, "from", upper=False) if low else None
    end = parse_bound(high, "to", upper=True) if high else None
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(
            "from must not be after to", details=[Detail("to", "Before from", "too_small")]
        )
    return TimeRange(start, end)

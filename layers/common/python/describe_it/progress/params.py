"""Query parameters shared by the progress, track and session routes: time bounds and sorting.

``from``/``to`` (aliases ``dateFrom``/``dateTo``) take an RFC 3339 timestamp with offset or a date;
a date means the user's local day, so ``from=2025-11-24&to=2025-11-30`` is that whole week in their zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Query

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.ranges import BOUND_PATTERN, INSTANT_PATTERN
from describe_it.models import rule, server_rules
from describe_it.progress.calendar import DAY, day_start

Bound = datetime | date


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(field, message, "invalid_format")])


# "+01:00" in a query string arrives as " 01:00" when the client did not encode "+" (%2B)
_SPACED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


def bound_schema(field: str, *, dates: bool = True) -> dict[str, Any]:
    """``json_schema_extra`` of a ``parse_bound`` parameter."""
    expected = "a date (YYYY-MM-DD) or an RFC 3339 timestamp" if dates else "an RFC 3339 timestamp"
    return {
        "pattern": BOUND_PATTERN if dates else INSTANT_PATTERN,
        **server_rules(rule(field, "a real calendar date and time", message=f"{field} must be {expected}")),
    }


def parse_bound(value: str | None, field: str, *, dates: bool = True) -> Bound | None:
    if value is None:
        return None
    text = _SPACED_OFFSET.sub(r"+\1", value.strip())
    expected = "a date (YYYY-MM-DD) or an RFC 3339 timestamp" if dates else "an RFC 3339 timestamp"
    try:
        if len(text) == 10 and dates:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(field, f"{field} must be {expected}") from None
    if len(text) == 10 or parsed.tzinfo is None:
        raise _bad(field, f"{field} must be {expected} with a time zone offset")
    return parsed


def parse_instant(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 timestamp with offset (no bare date)."""
    bound = parse_bound(value, field, dates=False)
    assert bound is None or isinstance(bound, datetime)
    return bound


def lower(bound: Bound | None, time_zone: str) -> datetime | None:
    """The first instant included."""
    if bound is None or isinstance(bound, datetime):
        return bound
    return day_start(bound, time_zone)


def upper(bound: Bound | None, time_zone: str) -> datetime | None:
    """The first instant *not* included (a date includes its whole local day; a timestamp itself)."""
    if bound is None:
        return None
    if isinstance(bound, datetime):
        return bound + timedelta(microseconds=1)
    return day_start(bound + DAY, time_zone)


@dataclass(frozen=True)
class Range:
    start: Bound | None
    end: Bound | None

    @property
    def given(self) -> bool:
        return self.start is not None or self.end is not None

    def check(self, time_zone: str) -> tuple[datetime | None, datetime | None]:
        """UTC [start, end) of the range; ``from`` after ``to`` is a 400."""
        start, end = lower(self.start, time_zone), upper(self.end, time_zone)
        if start is not None and end is not None and start >= end:
            raise ValidationFailed(
                "from must not be after to",
                details=[Detail("from", "Must not be after to", "invalid_format")],
            )
        return start, end


def time_range(start: str | None, start_alias: str | None, end: str | None, end_alias: str | None) -> Range:
    """``from``/``to`` win over their aliases ``dateFrom``/``dateTo`` (spec §1.1)."""
    return Range(
        parse_bound(start if start is not None else start_alias, "from"),
        parse_bound(end if end is not None else end_alias, "to"),
    )


_AFTER = server_rules(rule("from", "not after `to`", message="Must not be after to"))


def range_params(
    start: str | None = Query(
        None,
        alias="from",
        max_length=40,
        description="Date (the local day) or RFC 3339 timestamp",
        json_schema_extra={**bound_schema("from"), **_AFTER},
    ),
    start_alias: str | None = Query(
        None,
        alias="dateFrom",
        max_length=40,
        description="Alias of `from`",
        json_schema_extra=bound_schema("from"),
    ),
    end: str | None = Query(
        None,
        alias="to",
        max_length=40,
        description="Date (whole day) or timestamp",
        json_schema_extra=bound_schema("to"),
    ),
    end_alias: str | None = Query(
        None, alias="dateTo", max_length=40, description="Alias of `to`", json_schema_extra=bound_schema("to")
    ),
) -> Range:
    """``from``/``to`` and their aliases as a FastAPI dependency."""
    return time_range(start, start_alias, end, end_alias)

"""The learner's calendar (spec §11): days and ISO weeks (Monday start) in ``users.time_zone``.

Days are always those of the user's *current* zone: every activity is stored as a UTC instant and
placed on a day only when it is read, so reviews, answers, sessions, items and events share one
calendar and a change of zone re-buckets the whole history consistently (see the README). A local day
lasts 23 or 25 hours across DST; its bounds come from zoneinfo (here) or ``AT TIME ZONE`` (in SQL),
never from "start + 24 h".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    """The user's zone; the database validates ``users.time_zone``, so UTC only if tzdata lacks it."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_date(at: datetime, time_zone: str) -> date:
    return at.astimezone(zone(time_zone)).date()


def day_start(day: date, time_zone: str) -> datetime:
    """The UTC instant the local ``day`` begins."""
    return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)


def week_start(day: date) -> date:
    """Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Today:
    """The user's "now": today's date and the first day of this ISO week, in their zone."""

    time_zone: str
    now: datetime
    day: date

    @property
    def week(self) -> date:
        return week_start(self.day)

    def start(self, day: date | None = None) -> datetime:
        return day_start(self.day if day is None else day, self.time_zone)


def today(now: datetime, time_zone: str) -> Today:
    return Today(time_zone, now, local_date(now, time_zone))

"""from/to query bounds: a date is its whole UTC day, a timestamp needs an offset, both ends inclusive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from describe_it.errors import ValidationFailed
from describe_it.http.ranges import parse_bound, time_range


def test_dates_cover_whole_days() -> None:
    assert parse_bound("2026-02-01", "from", upper=False) == datetime(2026, 2, 1, tzinfo=UTC)
    assert parse_bound("2026-02-01", "to", upper=True) == datetime(2026, 2, 2, tzinfo=UTC)


def test_timestamps_keep_their_offset_and_the_upper_one_is_inclusive() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert parse_bound("2026-02-01T10:00:00+02:00", "from", upper=False) == datetime(
        2026, 2, 1, 10, tzinfo=plus_two
    )
    assert parse_bound("2026-02-01T10:00:00Z", "to", upper=True) == datetime(
        2026, 2, 1, 10, 0, 0, 1, tzinfo=UTC
    )


@pytest.mark.parametrize("value", ["2026-02-01T10:00:00", "yesterday", "2026-02-30", "1700000000000", ""])
def test_anything_else_is_400(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_bound(value, "from", upper=False)
    assert caught.value.details[0].field == "from"


def test_canonical_names_win_and_an_empty_range_is_400() -> None:
    both = time_range(from_="2026-03-01", to=None, date_from="2026-01-01", date_to="2026-03-02")
    assert both.start == datetime(2026, 3, 1, tzinfo=UTC) and both.end == datetime(2026, 3, 3, tzinfo=UTC)
    assert time_range(None, None, None, None).start is None
    with pytest.raises(ValidationFailed):
        time_range(from_="2026-03-02", to="2026-03-01", date_from=None, date_to=None)
    # one day is not empty
    one = time_range(from_="2026-03-01", to="2026-03-01", date_from=None, date_to=None)
    assert one.end - one.start == timedelta(days=1)  # type: ignore[operator]

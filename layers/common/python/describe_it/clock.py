"""The one clock a service and everything it calls share (tests inject a fixed or moving one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Timezone-aware UTC now."""
    return datetime.now(UTC)

"""Readiness: each dependency probed with its latency; database and DynamoDB are required.

The result is cached for 10 s per function instance so a busy monitor cannot turn health checks
into load. Nothing here reports hostnames, versions or error texts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from describe_it.errors import Detail, ServiceUnavailable
from describe_it.health.models import (
    AiCheck,
    Checks,
    Circuit,
    ImagesCheck,
    Liveness,
    Readiness,
    StorageCheck,
    StoreCheck,
)
from describe_it.observability import error_fields, logger
from describe_it.settings import API_VERSION, Settings, get_settings

CACHE_SECONDS = 10.0


def liveness() -> Liveness:
    return Liveness(demo=get_settings().demo_mode, version=API_VERSION)


def _timed(probe: Callable[[], object]) -> StoreCheck:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # any failure means "down"; the reason goes to the log, never the response
        logger.warning("readiness probe failed", extra=error_fields(exc))
        return StoreCheck(status="down", latency_ms=None)
    return StoreCheck(status="up", latency_ms=round((time.perf_counter() - started) * 1000, 2))


def _probe_database() -> None:
    from describe_it.db.tx import transaction

    with transaction("app") as conn:
        conn.execute("SELECT 1").fetchone()


def _probe_dynamodb() -> None:
    from describe_it.aws import client, state_table_name

    client("dynamodb").get_item(TableName=state_table_name(), Key={"pk": {"S": "health#probe"}})


def _circuit(provider: str) -> Circuit:
    try:
        from describe_it.runtime.circuit import CircuitBreaker

        return CircuitBreaker(provider).state()
    except Exception as exc:
        logger.warning("circuit state unavailable", extra=error_fields(exc))
        return "closed"


def _budget_remaining_pct(settings: Settings) -> float | None:
    if settings.ai_daily_token_budget <= 0:
        return None
    try:
        from describe_it.aws import client, state_table_name

        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = {"pk": {"S": f"budget#{day}"}}
        item = client("dynamodb").get_item(TableName=state_table_name(), Key=key).get("Item") or {}
    except Exception as exc:
        logger.warning("AI budget unavailable", extra=error_fields(exc))
        return None
    used = float(item.get("tokens", {"N": "0"})["N"])
    return round(max(0.0, 100.0 * (1 - used / settings.ai_daily_token_budget)), 1)


class ReadinessChecker:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, Readiness] | None = None

    def check(self) -> Readiness:
        with self._lock:
            if self._cached is None or self._clock() - self._cached[0] > CACHE_SECONDS:
                self._cached = (self._clock(), self._probe())
            result = self._cached[1]
        if result.status == "unhealthy":
            down = [
                Detail(f"checks.{name}", f"{name} is down", "down")
                for name, check in (
                    ("database", result.checks.database),
                    ("dynamodb", result.checks.dynamodb),
                )
                if check.status == "down"
            ]
            raise ServiceUnavailable("A required dependency is down", retry_after=10, details=down)
        return result

    def _probe(self) -> Readiness:
        s = self._settings
        checks = Checks(
            database=_timed(_probe_database),
            dynamodb=_timed(_probe_dynamodb),
            ai=AiCheck(
                configured=s.anthropic_api_key is not None,
                circuit=_circuit("anthropic"),
                budget_remaining_pct=_budget_remaining_pct(s),
            ),
            images=ImagesCheck(
                configured=s.unsplash_access_key is not None or s.demo_mode, circuit=_circuit("unsplash")
            ),
            storage=StorageCheck(configured=bool(s.export_bucket)),
        )
        if checks.database.status == "down" or checks.dynamodb.status == "down":
            status = "unhealthy"
        elif not checks.ai.configured or checks.ai.circuit == "open" or checks.images.circuit == "open":
            status = "degraded"
        else:
            status = "healthy"
        return Readiness(status=status, checks=checks)


@cache
def get_readiness_checker() -> ReadinessChecker:
    return ReadinessChecker(get_settings())

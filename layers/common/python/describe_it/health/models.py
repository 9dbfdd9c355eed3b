"""Shapes of /api/health and /api/monitoring/health (spec §16)."""

from __future__ import annotations

from typing import Literal

from describe_it.models import ApiModel

Circuit = Literal["closed", "open", "half_open"]


class Liveness(ApiModel):
    status: Literal["ok"] = "ok"
    healthy: bool = True
    demo: bool
    version: str


class StoreCheck(ApiModel):
    status: Literal["up", "down"]
    latency_ms: float | None


class AiCheck(ApiModel):
    configured: bool
    circuit: Circuit
    budget_remaining_pct: float | None


class ImagesCheck(ApiModel):
    configured: bool
    circuit: Circuit


class StorageCheck(ApiModel):
    configured: bool


class Checks(ApiModel):
    database: StoreCheck
    dynamodb: StoreCheck
    ai: AiCheck
    images: ImagesCheck
    storage: StorageCheck


class Readiness(ApiModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    checks: Checks

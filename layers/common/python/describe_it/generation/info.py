"""``GET /api/descriptions/generate`` (spec §5.2), and the request headers the POST reads."""

from __future__ import annotations

import hashlib
import json

from describe_it.ai.provider import LANGUAGES, STYLES
from describe_it.generation.models import Capabilities, ImageInputInfo, Limits, MaxLengthInfo, ServiceInfo
from describe_it.settings import API_VERSION

CACHE_CONTROL = "public, max-age=60"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ["jpeg", "png", "webp", "gif"]
WINDOW_S = 3600


def service_info() -> ServiceInfo:
    """Degraded while the shared circuit to Anthropic is open (nothing else is read)."""
    from describe_it.ai.factory import PROVIDER
    from describe_it.generation.service import SYNC_DEADLINE_S
    from describe_it.runtime.circuit import get_circuit_breaker
    from describe_it.settings import get_settings

    limits = get_settings().ai_hourly_limits.get("ai-describe", {})
    state = get_circuit_breaker(PROVIDER).state()
    return ServiceInfo(
        status="degraded" if state == "open" else "healthy",
        version=API_VERSION,
        capabilities=Capabilities(
            styles=list(STYLES),
            languages=list(LANGUAGES),
            max_length=MaxLengthInfo(),
            image_input=ImageInputInfo(max_bytes=MAX_IMAGE_BYTES, types=IMAGE_TYPES),
            sync_deadline_ms=int(SYNC_DEADLINE_S * 1000),
        ),
        limits=Limits(
            guest=limits.get("guest", 0),
            free=limits.get("free", 0),
            basic=limits.get("basic", 0),
            pro=limits.get("pro", 0),
            window_seconds=WINDOW_S,
        ),
    )


def etag(info: ServiceInfo) -> str:
    content = info.model_dump(mode="json", by_alias=True)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def prefers_async(prefer: str | None) -> bool:
    """``Prefer: respond-async`` (RFC 7240: a comma-separated list of preferences, any case)."""
    if not prefer:
        return False
    return any(p.split(";", 1)[0].strip().lower() == "respond-async" for p in prefer.split(","))


def no_cache(cache_control: str | None) -> bool:
    """``Cache-Control: no-cache`` on the request: regenerate (like ``fresh``)."""
    if not cache_control:
        return False
    return any(d.split("=", 1)[0].strip().lower() == "no-cache" for d in cache_control.split(","))

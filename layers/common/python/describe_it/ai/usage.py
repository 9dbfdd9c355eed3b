"""Token accounting: usage per call, its estimated cost, an upper bound to reserve before a call,
and the one place a call is recorded (a metric and a log line).

The record names the task, provider, model, key source, tokens, cost and attempts — never the
prompt, the image, the answer or the key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The most an image we send can cost: the API bills (width × height) / 750 tokens, and our images
# have a long edge ≤ 1568 px (the API scales larger ones down to about 1,600 tokens itself; this
# bound holds even for a model that would bill a 1568 × 1568 image unscaled).
IMAGE_TOKENS_BOUND = math.ceil(1568 * 1568 / 750)
# Per request and per message framing the API adds (role markers, the system block).
OVERHEAD_TOKENS = 64

# USD per million tokens (input, output), by model family; the first matching prefix wins. An
# estimate for dashboards and alarms, not an invoice: unknown models are priced like a Sonnet.
_PRICES: tuple[tuple[str, float, float], ...] = (
    ("claude-opus-4-0", 15.0, 75.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("claude-opus", 5.0, 25.0),
    ("claude-sonnet", 3.0, 15.0),
    ("claude-haiku", 1.0, 5.0),
    ("claude-3-5-haiku", 0.8, 4.0),
)
_DEFAULT_PRICE = (3.0, 15.0)
_CACHE_READ, _CACHE_WRITE = 0.1, 1.25  # multipliers of the input price


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """What the daily budget counts: every input token (cached or not) plus the output."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens + self.output_tokens

    def to_json(self) -> dict[str, int]:
        return {"inputTokens": self.input_tokens, "outputTokens": self.output_tokens}


def usage_of(message: Any) -> Usage:
    """The ``usage`` of an SDK ``Message`` (missing counts read as 0)."""
    usage = getattr(message, "usage", None)

    def count(name: str) -> int:
        value = getattr(usage, name, None)
        return value if isinstance(value, int) else 0

    return Usage(
        input_tokens=count("input_tokens"),
        output_tokens=count("output_tokens"),
        cache_read_tokens=count("cache_read_input_tokens"),
        cache_write_tokens=count("cache_creation_input_tokens"),
    )


def estimated_cost_usd(model: str, usage: Usage) -> float:
    price_in, price_out = next(
        ((i, o) for prefix, i, o in _PRICES if model.startswith(prefix)),
        _DEFAULT_PRICE,
    )
    dollars = (
        usage.input_tokens * price_in
        + usage.cache_read_tokens * price_in * _CACHE_READ
        + usage.cache_write_tokens * price_in * _CACHE_WRITE
        + usage.output_tokens * price_out
    ) / 1_000_000
    return round(dollars, 6)


def input_token_bound(texts: Iterable[str], images: int, schema: Mapping[str, Any] | None = None) -> int:
    """An upper bound of a request's input tokens, known before the call.

    A byte-level tokenizer makes at most one token per UTF-8 byte, so the bytes of every text (and of
    the output schema, which the API turns into instructions) bound the text tokens.
    """
    text_bytes = sum(len(text.encode("utf-8")) for text in texts)
    if schema is not None:
        text_bytes += len(json.dumps(schema, separators=(",", ":")).encode("utf-8"))
    return OVERHEAD_TOKENS + text_bytes + images * IMAGE_TOKENS_BOUND


def record(
    *,
    task: str,
    provider: str,
    model: str,
    key_source: str,
    usage: Usage,
    attempts: int,
    outcome: str,
    latency_ms: float,
) -> None:
    """One model call: a log line and metrics (tokens and estimated cost)."""
    from aws_lambda_powertools.metrics import MetricUnit

    from describe_it.observability import logger, metrics

    cost = estimated_cost_usd(model, usage) if provider == "anthropic" else 0.0
    logger.info(
        "ai call",
        extra={
            "ai": {
                "task": task,
                "provider": provider,
                "model": model,
                "keySource": key_source,
                "outcome": outcome,
                "attempts": attempts,
                "latencyMs": round(latency_ms, 1),
                "inputTokens": usage.input_tokens,
                "outputTokens": usage.output_tokens,
                "cacheReadTokens": usage.cache_read_tokens,
                "cacheWriteTokens": usage.cache_write_tokens,
                "estimatedCostUsd": cost,
            }
        },
    )
    if provider != "anthropic":
        return
    metrics.add_metric(name="AiInputTokens", unit=MetricUnit.Count, value=usage.input_tokens)
    metrics.add_metric(name="AiOutputTokens", unit=MetricUnit.Count, value=usage.output_tokens)
    # Micro-dollars: CloudWatch sums integers exactly; a float per call would drift in the sum.
    metrics.add_metric(name="AiEstimatedCostMicroUsd", unit=MetricUnit.Count, value=round(cost * 1_000_000))

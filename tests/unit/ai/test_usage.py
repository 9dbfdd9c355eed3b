"""Token accounting: costs by model family, the input bound reserved before a call, SDK usage read."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from describe_it.ai.usage import IMAGE_TOKENS_BOUND, Usage, estimated_cost_usd, input_token_bound, usage_of


@pytest.mark.parametrize(
    ("model", "dollars"),
    [
        ("claude-sonnet-4-6", 3.0 + 15.0),
        ("claude-haiku-4-5", 1.0 + 5.0),
        ("claude-opus-4-5", 5.0 + 25.0),
        ("claude-opus-4-1-20250805", 15.0 + 75.0),
        ("some-future-model", 3.0 + 15.0),  # unknown: priced like a Sonnet
    ],
)
def test_cost_of_a_million_tokens_each_way(model: str, dollars: float) -> None:
    assert estimated_cost_usd(model, Usage(input_tokens=1_000_000, output_tokens=1_000_000)) == dollars


def test_cached_input_is_priced_at_its_rates() -> None:
    usage = Usage(cache_read_tokens=1_000_000, cache_write_tokens=1_000_000)
    assert estimated_cost_usd("claude-sonnet-4-6", usage) == pytest.approx(0.3 + 3.75)
    assert usage.total_tokens == 2_000_000


def test_a_typical_description_costs_about_a_cent() -> None:
    assert estimated_cost_usd("claude-sonnet-4-6", Usage(1700, 450)) == pytest.approx(0.01185)


def test_the_input_bound_counts_every_byte_and_the_image_and_schema() -> None:
    plain = input_token_bound(["abcd", "ñ"], images=0)
    assert input_token_bound(["abcd", "ñ"], images=2) == plain + 2 * IMAGE_TOKENS_BOUND
    assert input_token_bound(["abcd", "ñ"], images=0, schema={"type": "object"}) == plain + len(
        '{"type":"object"}'
    )
    assert input_token_bound(["x" * 4000], images=0) >= 4000  # never fewer tokens than bytes


def test_usage_is_read_from_an_sdk_message_missing_counts_are_zero() -> None:
    message = SimpleNamespace(
        usage=SimpleNamespace(input_tokens=10, output_tokens=5, cache_read_input_tokens=None)
    )
    assert usage_of(message) == Usage(10, 5, 0, 0)
    assert usage_of(SimpleNamespace()) == Usage()
    assert Usage(10, 5).to_json() == {"inputTokens": 10, "outputTokens": 5}


def test_a_call_is_recorded_as_metrics_and_one_log_line_without_content() -> None:
    from describe_it.ai.usage import record
    from describe_it.observability import metrics
    from tests.support.logs import captured_logs

    metrics.clear_metrics()
    try:
        with captured_logs() as lines:
            record(
                task="describe",
                provider="anthropic",
                model="claude-sonnet-4-6",
                key_source="server",
                usage=Usage(1700, 450),
                attempts=1,
                outcome="end_turn",
                latency_ms=812.34,
            )
        recorded = {name: entry["Value"] for name, entry in metrics.metric_set.items()}
    finally:
        metrics.clear_metrics()

    assert recorded == {
        "AiInputTokens": [1700.0],
        "AiOutputTokens": [450.0],
        "AiEstimatedCostMicroUsd": [11850.0],
    }
    line = next(line for line in lines if line.startswith("ai call"))
    assert "'inputTokens': 1700" in line and "'estimatedCostUsd': 0.01185" in line
    assert "'keySource': 'server'" in line

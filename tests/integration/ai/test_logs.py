"""What a model call leaves in the logs, with the root logger at DEBUG: counts, classes and ids only —
never the key (not even its prefix), the prompt, the learner's preferences, the image or the answer."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from describe_it.ai import prompts
from describe_it.ai.claude import ClaudeProvider
from describe_it.ai.errors import KeyRejected, ProviderFailure
from tests.integration.ai.conftest import BEACH, beach_request, deadline
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.logs import captured_logs

MARKER = "Prefiero-cebras-violetas-7731"
ANSWER = "Una playa luminosa con una sombrilla roja."


def test_a_call_and_its_failures_log_no_secret_and_no_content(
    fake_anthropic: FakeAnthropic, make_provider: Callable[..., ClaudeProvider]
) -> None:
    fake_anthropic.enqueue(Reply.message(ANSWER), Reply.server_error())
    request = beach_request("es", "poetico", custom_prompt=MARKER)
    wrong_key = "sk-ant-api03-" + "w" * 40

    with captured_logs() as lines:
        make_provider(source="caller").describe_image(request, deadline(20))
        with pytest.raises(ProviderFailure):
            make_provider(source="caller").describe_image(request, deadline(5))
        with pytest.raises(KeyRejected):
            make_provider(source="caller", key=wrong_key).describe_image(request, deadline(5))

    text = "\n".join(lines)
    assert "ai call" in text and "ai call failed" in text  # the calls were logged…
    assert "inputTokens" in text
    forbidden = {
        "the key": fake_anthropic.api_key,
        "the rejected key": wrong_key,
        "a key prefix": "sk-ant",
        "the learner's preferences": MARKER,
        "the style rules": prompts.style_rules("es", "poetico")[:40],
        "the instruction": prompts.user_prompt("es", 120),
        "the image": base64.b64encode(BEACH.data).decode()[:40],
        "the answer": ANSWER,
    }
    leaked = [name for name, value in forbidden.items() if value in text]
    assert leaked == []  # …without any of these

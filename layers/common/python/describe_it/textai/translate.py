"""POST /api/translate (spec §8): one text or a batch of up to 50 in ONE model call, cached per text.

Each text is looked up in the cache first (``tr:v<prompt>:<model>:<src>:<tgt>:sha256(context):sha256(text)``,
30 days); the texts that miss go to Claude together, as one numbered list, and come back as one structured
answer (``DraftTranslations``) that must hold every index once with a non-empty translation (else 502);
confidence is clamped to 0–1. A batch is one ``ai-text`` unit, charged only when something missed.

When the model is unavailable — no key (AWS), circuit open, budget or spend limit reached, rate limited,
overloaded, timed out, failed or unusable — and **every** text is an entry of the bundled es↔en glossary,
the glossary answers (``provider:"glossary"``, ``fallback:true``, confidence 0.6); otherwise the model's
error stands (502/503/504). A caller's rejected key stays a 400. Never a placeholder string.

Offline mode (``make run`` without a key) translates from the glossary too, labelled ``provider:"offline"``;
a text the glossary does not hold is a 503 saying a key is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from describe_it.ai.errors import AiFailure, KeyRejected, ProviderNotConfigured, ProviderOutputInvalid
from describe_it.ai.provider import JsonRequest
from describe_it.identity import Principal
from describe_it.textai import prompts
from describe_it.textai.engine import Model, choose_model, model_name, route_deadline
from describe_it.textai.fields import sha256_hex
from describe_it.textai.translate_models import (
    BatchItem,
    BatchTranslation,
    DraftTranslations,
    SingleTranslation,
    TranslateRequest,
)

if TYPE_CHECKING:
    from describe_it.runtime.cache import TwoTierCache
    from describe_it.runtime.rate_limit import Decision

CACHE_TTL_S = 30 * 24 * 3600
NOT_IN_GLOSSARY = (
    "Offline mode translates single words and glossary expressions only; this text needs an Anthropic API key"
)


@dataclass(frozen=True)
class Translated:
    translation: str
    confidence: float
    detected: str


@dataclass(frozen=True)
class Outcome:
    items: list[Translated]
    provider: str
    fallback: bool
    cached: bool


def cache_key(body: TranslateRequest, model: str, text: str) -> str:
    return ":".join(
        [
            f"tr:v{prompts.PROMPT_VERSION}",
            model,
            body.source_language,
            body.target_language,
            sha256_hex(body.context or ""),
            sha256_hex(text),
        ]
    )


def clamp(confidence: float) -> float:
    return min(1.0, max(0.0, confidence)) if math.isfinite(confidence) else 0.0


class TranslateService:
    def __init__(self, cache: TwoTierCache) -> None:
        self._cache = cache

    def translate(
        self, who: Principal, body: TranslateRequest
    ) -> tuple[SingleTranslation | BatchTranslation, Decision | None]:
        outcome, decision = self._outcome(who, body)
        return _shape(body, outcome), decision

    def _outcome(self, who: Principal, body: TranslateRequest) -> tuple[Outcome, Decision | None]:
        texts = body.inputs
        model = model_name()
        keys = [cache_key(body, model, text) for text in texts]
        hits = self._cache.get_many(keys)  # one round trip for the whole batch
        found = {index: Translated(**hits[key]) for index, key in enumerate(keys) if key in hits}
        if len(found) == len(texts):
            return Outcome([found[i] for i in range(len(texts))], "anthropic", False, True), None
        try:
            chosen = choose_model(who, body.user_api_key)
        except ProviderNotConfigured as exc:
            return _glossary(body, exc), None
        if chosen.offline:
            return _offline(body), None
        decision = chosen.charge(who)
        missing = [index for index in range(len(texts)) if index not in found]
        try:
            answered = _ask(chosen, body, [texts[i] for i in missing])
        except KeyRejected:
            raise
        except AiFailure as exc:
            return _glossary(body, exc), decision
        found.update(zip(missing, answered, strict=True))
        self._cache.put_many({keys[i]: asdict(found[i]) for i in missing}, CACHE_TTL_S)
        return Outcome([found[i] for i in range(len(texts))], "anthropic", False, False), decision


def _ask(model: Model, body: TranslateRequest, texts: Sequence[str]) -> list[Translated]:
    assert model.provider is not None
    request = JsonRequest(
        task="translate",
        system=prompts.TRANSLATE_SYSTEM,
        prompt=prompts.translate_prompt(texts, body.source_language, body.target_language, body.context),
        output=DraftTranslations,
        max_tokens=prompts.translate_max_tokens(texts),
    )
    answer = model.provider.generate_json(request, route_deadline()).value
    by_index: dict[int, Any] = {}
    for item in answer.translations:
        if 0 <= item.index < len(texts) and item.translation.strip():
            by_index.setdefault(item.index, item)
    if len(by_index) != len(texts):
        raise ProviderOutputInvalid("The AI provider did not translate every text")
    detected = answer.detected_language if body.source_language == "auto" else body.source_language
    return [
        Translated(by_index[i].translation.strip(), clamp(by_index[i].confidence), detected)
        for i in range(len(texts))
    ]


def _from_glossary(body: TranslateRequest) -> list[Translated] | None:
    from describe_it.language.translate import GLOSSARY_CONFIDENCE, Covered, offline_translate

    result = offline_translate(body.inputs, body.source_language, body.target_language)
    if not isinstance(result, Covered):
        return None
    return [Translated(t, GLOSSARY_CONFIDENCE, result.source) for t in result.translations]


def _glossary(body: TranslateRequest, failure: AiFailure) -> Outcome:
    """The model is unavailable: the glossary answers only if it covers every text."""
    items = _from_glossary(body)
    if items is None:
        raise failure
    return Outcome(items, "glossary", True, False)


def _offline(body: TranslateRequest) -> Outcome:
    items = _from_glossary(body)
    if items is None:
        raise ProviderNotConfigured(NOT_IN_GLOSSARY, retry_after=3600)
    return Outcome(items, "offline", False, False)


def _shape(body: TranslateRequest, outcome: Outcome) -> SingleTranslation | BatchTranslation:
    first = outcome.items[0]
    common: dict[str, Any] = {
        "detected_language": first.detected,
        "source_language": body.source_language,
        "target_language": body.target_language,
        "provider": outcome.provider,
        "fallback": outcome.fallback,
        "cached": outcome.cached,
    }
    if body.texts is None:
        return SingleTranslation(
            translation=first.translation,
            translated_text=first.translation,
            confidence=first.confidence,
            **common,
        )
    items = [
        BatchItem(text=t, translation=i.translation) for t, i in zip(body.inputs, outcome.items, strict=True)
    ]
    return BatchTranslation(translations=items, **common)


def get_translate_service() -> TranslateService:
    from describe_it.runtime.cache import get_cache

    return TranslateService(get_cache())

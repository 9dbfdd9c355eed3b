"""POST /api/phrases/extract (spec §7): vocabulary from a Spanish text, from Claude or — offline — from
the toolkit (``language.phrases``), categorised and sorted in Spanish order.

Claude proposes items (structured output, ``DraftPhrases``); the server keeps only those whose context
occurs verbatim in the text and whose phrase occurs in that context (the text's own characters are
returned, so every ``context`` is a substring of the text), in a requested category, not seen before
(same lemma + category), with gender and article only on nouns and a conjugation only on verbs; then
the first ``maxPhrases`` in the model's order. ``phrases`` is in order of appearance;
``categorizedPhrases`` has the five categories, each sorted by Spanish collation of its ``sortKey``
(``language.collation``), every entry with ``saved``: the signed-in learner already has that Spanish text
in one of their lists (one query for the whole set; always false for guests).

Cache (7 days): ``phrases:v<prompt>:<model>:sha256(text):<targetLevel>:<maxPhrases>:<sorted categories>``,
holding the phrases only — ``saved`` is the caller's and is looked up on every request. Offline answers are
not cached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from describe_it.ai.prompts import as_data
from describe_it.ai.provider import JsonRequest
from describe_it.identity import Principal
from describe_it.language.collation import sort_key, sorted_by_phrase
from describe_it.language.phrases import CATEGORIES
from describe_it.textai import prompts
from describe_it.textai.engine import Model, choose_model, model_name, route_deadline
from describe_it.textai.fields import sha256_hex, stable_id
from describe_it.textai.phrases_models import (
    CategorizedPhrase,
    DraftPhrase,
    DraftPhrases,
    Phrase,
    PhrasesMetadata,
    PhrasesRequest,
    PhrasesResult,
)

if TYPE_CHECKING:
    from describe_it.runtime.cache import TwoTierCache
    from describe_it.runtime.rate_limit import Decision

CACHE_TTL_S = 7 * 24 * 3600


def cache_key(body: PhrasesRequest, model: str) -> str:
    return ":".join(
        [
            f"phrases:v{prompts.PROMPT_VERSION}",
            model,
            sha256_hex(body.description_text),
            body.target_level,
            str(body.max_phrases),
            ",".join(sorted(body.wanted)),
        ]
    )


def keep(drafts: Sequence[DraftPhrase], body: PhrasesRequest, key: str) -> list[Phrase]:
    """The drafts the text supports (see the module doc), at most ``maxPhrases``, in order of appearance."""
    text = body.description_text
    seen_text = as_data(text)  # what the model was shown: the same characters, brackets replaced
    wanted = set(body.wanted)
    seen: set[tuple[str, str]] = set()
    kept: list[tuple[int, Phrase]] = []
    for draft in drafts:
        context, phrase = draft.context.strip(), draft.phrase.strip()
        at = seen_text.find(context) if context else -1
        inner = context.find(phrase) if phrase and at >= 0 else -1
        if inner < 0 or draft.category not in wanted:
            continue
        lemma = draft.lemma.strip() or phrase
        if (lemma.casefold(), draft.category) in seen:
            continue
        seen.add((lemma.casefold(), draft.category))
        start = at + inner
        noun, verb = draft.partOfSpeech == "noun", draft.partOfSpeech == "verb"
        kept.append(
            (
                start,
                Phrase(
                    id=stable_id(key, str(start), draft.category),
                    phrase=text[start : start + len(phrase)],
                    lemma=lemma,
                    translation=draft.translation.strip(),
                    definition=draft.definition.strip(),
                    part_of_speech=draft.partOfSpeech,
                    difficulty=draft.difficulty,
                    context=text[at : at + len(context)],
                    category=draft.category,
                    gender=draft.gender if noun else None,
                    article=draft.article if noun else None,
                    conjugation=(draft.conjugation or "").strip() or None if verb else None,
                ),
            )
        )
        if len(kept) == body.max_phrases:
            break
    return [phrase for _, phrase in sorted(kept, key=lambda pair: pair[0])]


class PhrasesService:
    def __init__(self, cache: TwoTierCache) -> None:
        self._cache = cache

    def extract(
        self, who: Principal, body: PhrasesRequest, *, fresh: bool
    ) -> tuple[PhrasesResult, Decision | None]:
        key = cache_key(body, model_name())
        hit = None if (fresh or body.fresh) else self._cache.get(key)
        decision = None
        if hit is not None:
            phrases = [Phrase.model_validate(p) for p in hit["phrases"]]
            provider, model, cached = hit["provider"], hit["model"], True
        else:
            chosen = choose_model(who, body.user_api_key)
            if chosen.offline:
                phrases, provider, model = _offline(body, cache_key(body, "offline")), "offline", "offline"
            else:
                decision = chosen.charge(who)
                phrases, provider, model = _from_claude(chosen, body, key), "anthropic", _model_of(chosen)
                stored = [p.model_dump(mode="json", by_alias=True) for p in phrases]
                self._cache.put(key, {"phrases": stored, "provider": provider, "model": model}, CACHE_TTL_S)
            cached = False
        saved = saved_texts(who, [p.phrase for p in phrases])
        return _result(body, phrases, saved, provider, model, cached), decision


def _model_of(chosen: Model) -> str:
    assert chosen.provider is not None
    return chosen.provider.model


def _from_claude(chosen: Model, body: PhrasesRequest, key: str) -> list[Phrase]:
    assert chosen.provider is not None
    request = JsonRequest(
        task="phrases",
        system=prompts.PHRASES_SYSTEM,
        prompt=prompts.phrases_prompt(
            body.description_text, body.target_level, body.max_phrases, body.wanted
        ),
        output=DraftPhrases,
        max_tokens=prompts.phrases_max_tokens(body.max_phrases),
    )
    return keep(chosen.provider.generate_json(request, route_deadline()).value.phrases, body, key)


def _offline(body: PhrasesRequest, key: str) -> list[Phrase]:
    from describe_it.language.phrases import offline_phrases

    return [
        Phrase(
            id=stable_id(key, str(c.start), c.category),
            phrase=c.phrase,
            lemma=c.lemma,
            translation=c.translation,
            definition=None,
            part_of_speech=c.part_of_speech,
            difficulty=c.difficulty,
            context=c.context,
            category=c.category,
            gender=c.gender,
            article=c.article,
            conjugation=c.conjugation,
        )
        for c in offline_phrases(body.description_text, body.target_level, body.max_phrases, body.wanted)
    ]


def saved_texts(who: Principal, texts: list[str]) -> set[str]:
    """The lower-cased ``texts`` already in one of the learner's own lists; empty for guests."""
    if who.user_id is None or not texts:
        return set()
    from describe_it.db.tx import transaction
    from describe_it.vocabulary import repository

    with transaction("app", who.user_id) as conn:
        return repository.saved_texts(conn, who.user_id, texts)


def _result(
    body: PhrasesRequest, phrases: list[Phrase], saved: set[str], provider: str, model: str, cached: bool
) -> PhrasesResult:
    categorized: dict[str, list[CategorizedPhrase]] = {}
    for category in CATEGORIES:
        members = [p for p in phrases if p.category == category]
        entries: list[Any] = [
            CategorizedPhrase(**p.model_dump(), sort_key=sort_key(p.phrase), saved=p.phrase.lower() in saved)
            for p in members
        ]
        categorized[category] = sorted_by_phrase(entries, lambda entry: entry.phrase)
    counts = Counter(p.category for p in phrases)
    return PhrasesResult(
        phrases=phrases,
        categorized_phrases=categorized,
        metadata=PhrasesMetadata(
            total_phrases=len(phrases),
            category_counts={category: counts[category] for category in CATEGORIES},
            target_level=body.target_level,
            style=body.style,
            provider=provider,
            model=model,
            cached=cached,
        ),
    )


def get_phrases_service() -> PhrasesService:
    from describe_it.runtime.cache import get_cache

    return PhrasesService(get_cache())

"""POST /api/qa/generate (spec §6.1): exactly ``count`` questions about a text, in a language and at a
difficulty, from Claude or — in offline mode — from the toolkit's templates (``language.questions``).

Claude's answer (structured output, ``DraftQuestions``) is checked question by question, since one bad
question must not cost the good ones: question and answer non-empty; the difficulty one the plan still
needs (``difficulty_plan``: all the same, or 40/40/20 % for ``mixed``); no question twice; with options,
three distractors that differ from each other and from the answer (duplicates are dropped, so the answer
is in the options exactly once; fewer than three left refuses the question). Extras are dropped. When
fewer than ``count`` pass, ONE more call asks for exactly the missing ones (per difficulty); still short
→ 502. Options are the answer and its distractors in an order fixed by the question's id (a hash), so a
cached set answers the same every time; ids are UUIDv5 of the cache key and the position.

Cache (7 days) per spec: ``qa:v<prompt>:<model>:sha256(description):<language>:<count>:<difficulty>:
<includeOptions>``. Offline answers are not cached: they cost nothing and are deterministic.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from describe_it.ai.errors import ProviderOutputInvalid
from describe_it.ai.provider import JsonRequest
from describe_it.errors import Detail, ValidationFailed
from describe_it.identity import Principal
from describe_it.language.questions import (
    DIFFICULTIES,
    QUESTION_CATEGORIES,
    QuestionCategory,
    QuestionDifficulty,
    difficulty_plan,
)
from describe_it.models import format_timestamp
from describe_it.textai import prompts
from describe_it.textai.engine import Model, choose_model, model_name, route_deadline
from describe_it.textai.fields import sha256_hex, stable_id
from describe_it.textai.qa_models import (
    DraftQuestion,
    DraftQuestions,
    QaMetadata,
    QaRequest,
    QaResult,
    Question,
)

if TYPE_CHECKING:
    from describe_it.ai.provider import AiProvider, Deadline
    from describe_it.runtime.cache import TwoTierCache
    from describe_it.runtime.rate_limit import Decision

CACHE_TTL_S = 7 * 24 * 3600
DISTRACTORS = 3
SHORT_OF_QUESTIONS = "The AI provider returned too few valid questions"


@dataclass(frozen=True)
class Accepted:
    question: str
    answer: str
    difficulty: QuestionDifficulty
    category: QuestionCategory
    distractors: tuple[str, ...]


def cache_key(body: QaRequest, model: str) -> str:
    return ":".join(
        [
            f"qa:v{prompts.PROMPT_VERSION}",
            model,
            sha256_hex(body.description),
            body.language,
            str(body.count),
            body.difficulty,
            str(body.include_options).lower(),
        ]
    )


def _distinct_distractors(draft: DraftQuestion, answer: str) -> tuple[str, ...] | None:
    seen = {answer.casefold()}
    kept: list[str] = []
    for option in (d.strip() for d in draft.distractors):
        if option and option.casefold() not in seen:
            seen.add(option.casefold())
            kept.append(option)
    return tuple(kept[:DISTRACTORS]) if len(kept) >= DISTRACTORS else None


def accept(
    drafts: Sequence[DraftQuestion],
    needed: Counter[QuestionDifficulty],
    include_options: bool,
    seen: set[str],
) -> list[Accepted]:
    """The drafts that pass, while ``needed`` still wants their difficulty (``needed`` and ``seen`` are
    updated in place)."""
    accepted: list[Accepted] = []
    for draft in drafts:
        question, answer = draft.question.strip(), draft.answer.strip()
        if not question or not answer or question.casefold() in seen or needed[draft.difficulty] <= 0:
            continue
        distractors: tuple[str, ...] = ()
        if include_options:
            found = _distinct_distractors(draft, answer)
            if found is None:
                continue
            distractors = found
        needed[draft.difficulty] -= 1
        seen.add(question.casefold())
        accepted.append(Accepted(question, answer, draft.difficulty, draft.category, distractors))
    return accepted


def shuffled(question_id: str, answer: str, distractors: Sequence[str]) -> tuple[list[str], int]:
    """The four options in the order of a hash of the question id: stable for a question, not guessable
    from the position."""
    options = sorted(
        [answer, *distractors], key=lambda o: hashlib.sha256(f"{question_id}\x00{o}".encode()).digest()
    )
    return options, options.index(answer)


class QaService:
    def __init__(self, cache: TwoTierCache) -> None:
        self._cache = cache

    def generate(self, who: Principal, body: QaRequest, *, fresh: bool) -> tuple[QaResult, Decision | None]:
        key = cache_key(body, model_name())
        if not (fresh or body.fresh):
            hit = self._cache.get(key)
            if hit is not None:
                result = QaResult.model_validate(hit)
                result.metadata.cached = True
                return result, None
        model = choose_model(who, body.user_api_key)
        if model.offline:
            return _offline(body), None
        decision = model.charge(who)
        result = self._from_claude(model, body, key)
        self._cache.put(key, result.model_dump(mode="json", by_alias=True), CACHE_TTL_S)
        return result, decision

    def _from_claude(self, model: Model, body: QaRequest, key: str) -> QaResult:
        assert model.provider is not None
        deadline = route_deadline()
        plan = difficulty_plan(body.count, body.difficulty)
        needed = Counter(plan)
        seen: set[str] = set()
        accepted = accept(
            self._ask(model.provider, body, needed, [], deadline), needed, body.include_options, seen
        )
        if sum(needed.values()) > 0:
            missing = Counter({level: n for level, n in needed.items() if n > 0})
            more = self._ask(model.provider, body, missing, [a.question for a in accepted], deadline)
            accepted += accept(more, needed, body.include_options, seen)
        if sum(needed.values()) > 0:
            raise ProviderOutputInvalid(SHORT_OF_QUESTIONS)
        order = {level: index for index, level in enumerate(DIFFICULTIES)}
        accepted.sort(key=lambda a: order[a.difficulty])  # stable: the model's order within a band
        questions = []
        for index, item in enumerate(accepted):
            question_id = stable_id(key, str(index))
            options, correct = (
                shuffled(question_id, item.answer, item.distractors) if body.include_options else (None, None)
            )
            questions.append(
                Question(
                    id=question_id,
                    question=item.question,
                    answer=item.answer,
                    difficulty=item.difficulty,
                    category=item.category,
                    options=options,
                    correct_index=correct,
                )
            )
        return _result(body, questions, "anthropic", model.provider.model)

    @staticmethod
    def _ask(
        provider: AiProvider,
        body: QaRequest,
        wanted: Counter[QuestionDifficulty],
        avoid: list[str],
        deadline: Deadline,
    ) -> list[DraftQuestion]:
        ordered = {level: wanted[level] for level in DIFFICULTIES if wanted[level]}
        request = JsonRequest(
            task="qa",
            system=prompts.QA_SYSTEM,
            prompt=prompts.qa_prompt(body.description, body.language, ordered, body.include_options, avoid),
            output=DraftQuestions,
            max_tokens=prompts.qa_max_tokens(sum(ordered.values()), body.include_options),
        )
        return provider.generate_json(request, deadline).value.questions


def _offline(body: QaRequest) -> QaResult:
    from describe_it.language.questions import NotEnoughText, offline_questions

    try:
        drafted = offline_questions(
            body.description, body.language, body.count, body.difficulty, body.include_options
        )
    except NotEnoughText:
        message = f"The text is too short for {body.count} questions in offline mode"
        raise ValidationFailed(message, details=[Detail("description", message, "too_short")]) from None
    key = cache_key(body, "offline")
    questions = [
        Question(
            id=stable_id(key, str(index)),
            question=q.question,
            answer=q.answer,
            difficulty=q.difficulty,
            category=q.category,
            options=list(q.options) if q.options is not None else None,
            correct_index=q.correct_index,
        )
        for index, q in enumerate(drafted)
    ]
    return _result(body, questions, "offline", "offline")


def _result(body: QaRequest, questions: list[Question], provider: str, model: str) -> QaResult:
    by_difficulty = Counter(q.difficulty for q in questions)
    by_category = Counter(q.category for q in questions)
    return QaResult(
        questions=questions,
        metadata=QaMetadata(
            count=len(questions),
            requested=body.count,
            language=body.language,
            difficulty=body.difficulty,
            by_difficulty={level: by_difficulty[level] for level in DIFFICULTIES},
            by_category={category: by_category[category] for category in QUESTION_CATEGORIES},
            generated_at=format_timestamp(datetime.now(UTC)),
            provider=provider,
            model=model,
            cached=False,
        ),
    )


def get_qa_service() -> QaService:
    from describe_it.runtime.cache import get_cache

    return QaService(get_cache())

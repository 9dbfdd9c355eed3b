"""The AI provider port: what routes and tasks call, whatever answers (Claude or the offline provider).

Two calls, both bounded by a ``Deadline``:

- ``describe_image(DescribeRequest, deadline) -> Description``: one image, one language, one style,
  at most ``max_length`` words of plain prose (the ``describe_language`` task, spec §5.1);
- ``generate_json(JsonRequest[M], deadline) -> JsonAnswer[M]``: a prompt whose answer is JSON for the
  pydantic model ``M`` (Q&A, phrases, translation). Claude answers through structured outputs (the
  model's JSON schema) and the answer is validated with ``M`` itself; the offline provider cannot
  answer free prompts and raises ``ProviderNotConfigured`` (503): the text routes take it as the sign
  to use the offline language toolkit instead (``describe_it.textai.engine``).

Failures are the ``describe_it.ai.errors`` classes: API errors (one envelope, the statuses of §5.1)
that also name the workflow task error they become. Get a provider with
``describe_it.ai.factory.provider_for(key)``; resolve the key with ``describe_it.ai.keys``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from describe_it.ai.usage import Usage

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
Style = Literal["narrativo", "poetico", "academico", "conversacional", "infantil", "creativo", "tecnico"]
STYLES: tuple[Style, ...] = (
    "narrativo",
    "poetico",
    "academico",
    "conversacional",
    "infantil",
    "creativo",
    "tecnico",
)
ProviderName = Literal["anthropic", "offline"]
MIN_WORDS, MAX_WORDS = 50, 1000  # maxLength bounds of spec §5.1
Clock = Callable[[], float]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Deadline:
    """When the answer is due, on the service's one clock (epoch seconds)."""

    at: float
    clock: Clock = time.time

    @classmethod
    def from_epoch_ms(cls, epoch_ms: int, clock: Clock = time.time) -> Deadline:
        return cls(epoch_ms / 1000, clock)

    def remaining(self) -> float:
        return self.at - self.clock()


@dataclass(frozen=True)
class ImageFacts:
    """What the image catalogue knows about an image (Unsplash metadata or the demo manifest).

    Claude never sees these (it describes the pixels); the offline provider composes from them.
    Texts are per language and may be missing for one; ``tags`` are catalogue keywords as stored.
    """

    alt: Mapping[Language, str] = field(default_factory=dict)
    description: Mapping[Language, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    color: str | None = None  # "#rrggbb"
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ImageInput:
    """The normalised image (spec §5.1: JPEG, long edge ≤ 1568 px) and what the catalogue knows."""

    data: bytes
    media_type: str
    facts: ImageFacts | None = None


@dataclass(frozen=True)
class DescribeRequest:
    image: ImageInput
    language: Language
    style: Style
    max_length: int  # words, MIN_WORDS..MAX_WORDS
    custom_prompt: str | None = None  # learner preferences: data, never instructions


@dataclass(frozen=True)
class Description:
    language: Language
    content: str  # plain prose, at most max_length words
    word_count: int  # tokens containing a letter (spec §5.1)
    provider: ProviderName
    model: str
    usage: Usage
    truncated: bool  # the model wrote more than max_length words and the text was cut


@dataclass(frozen=True)
class JsonRequest(Generic[M]):
    """A prompt whose answer must be an instance of ``output`` (a pydantic model)."""

    task: str  # a label for metrics and logs ("qa", "phrases", "translate"), never content
    system: str
    prompt: str
    output: type[M]
    max_tokens: int


@dataclass(frozen=True)
class JsonAnswer(Generic[M]):
    value: M
    provider: ProviderName
    model: str
    usage: Usage


class AiProvider(Protocol):
    @property
    def name(self) -> ProviderName: ...

    @property
    def model(self) -> str: ...

    def describe_image(self, request: DescribeRequest, deadline: Deadline) -> Description: ...

    def generate_json(self, request: JsonRequest[M], deadline: Deadline) -> JsonAnswer[M]: ...

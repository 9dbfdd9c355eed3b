"""The ``describe_language`` task: one image, one language, one Step Functions branch (spec §5.1).

Input — the workflow input (infra/statemachines/README.md) without ``languages`` and
``taskTimeoutSeconds``, plus ``language``::

    {"imageRef": {"bucket", "key": "tmp/images/<sha256>.jpg", "sha256", "mediaType",
                  "facts"?: {"altDescription": {"en", "es"}, "description": {"en", "es"}, "tags",
                             "color", "width", "height"}},
     "style", "maxLength", "customPrompt": str|null, "encryptedKey": str|null,
     "deadline": epoch ms, "generationId", "language": "en"|"es"}

``imageRef.facts`` is optional: what the image catalogue knows about the image, which only the
offline provider uses (Claude describes the pixels). ``encryptedKey`` is the caller's own key sealed
by the route (``ai.keys.seal_for_workflow``); null means the server's key.

Output: ``{language, ok: true, content, wordCount, model, provider, usage: {inputTokens, outputTokens}}``.

Failures are raised as the ``describe_it.workflow.errors`` classes, whose names the workflow's Catch
clauses turn into reasons: the provider's errors by their ``task_error``; a task that starts at or
after its deadline → ``DescribeTimeout`` at once (a retried attempt usually does); a missing
configuration or an unreachable S3/KMS/DynamoDB → ``DescribeUnavailable``; a malformed input, an image
whose bytes do not match its hash, a sealed key that does not open, or anything unexpected →
``DescribeUpstreamError``. Their messages are fixed phrases: Step Functions records them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from pydantic import Field, ValidationError

from describe_it.ai.errors import AiFailure
from describe_it.ai.factory import provider_for
from describe_it.ai.keys import ApiKey, SealedKeyError, open_from_workflow, server_key
from describe_it.ai.provider import (
    MAX_WORDS,
    MIN_WORDS,
    AiProvider,
    Clock,
    Deadline,
    DescribeRequest,
    ImageFacts,
    ImageInput,
    Language,
    Style,
)
from describe_it.errors import ApiError
from describe_it.models import ApiModel
from describe_it.runtime.blobs import BlobStore
from describe_it.workflow.errors import (
    DescribeTaskError,
    DescribeTimeout,
    DescribeUnavailable,
    DescribeUpstreamError,
)

IMAGE_PREFIX = "tmp/images/"
LAMBDA_MARGIN_S = 0.5  # answer before Lambda's own timeout stops the function


class FactsIn(ApiModel):
    alt_description: dict[Language, str] = Field(default_factory=dict)
    description: dict[Language, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=50)
    color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$")
    width: int | None = Field(None, gt=0)
    height: int | None = Field(None, gt=0)

    def facts(self) -> ImageFacts:
        return ImageFacts(
            alt=self.alt_description,
            description=self.description,
            tags=tuple(self.tags),
            color=self.color,
            width=self.width,
            height=self.height,
        )


class ImageRefIn(ApiModel):
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(pattern=r"^tmp/images/[A-Za-z0-9._-]{1,200}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: Literal["image/jpeg", "image/png", "image/webp", "image/gif"]
    facts: FactsIn | None = None


class TaskInput(ApiModel):
    image_ref: ImageRefIn
    style: Style
    max_length: int = Field(ge=MIN_WORDS, le=MAX_WORDS)
    custom_prompt: str | None = Field(None, max_length=500)
    encrypted_key: str | None = Field(None, max_length=8192)
    deadline: int = Field(gt=0)  # epoch milliseconds
    generation_id: str = Field(min_length=1, max_length=128)
    language: Language


BlobsFor = Callable[[str], BlobStore]
ProvidersFor = Callable[[ApiKey | None], AiProvider]


class DescribeLanguageTask:
    def __init__(
        self,
        *,
        blobs: BlobsFor = lambda bucket: BlobStore(bucket=bucket),
        providers: ProvidersFor = provider_for,
        server_key: Callable[[], ApiKey | None] = server_key,
        clock: Clock = time.time,
    ) -> None:
        self._blobs = blobs
        self._providers = providers
        self._server_key = server_key
        self._clock = clock

    def run(self, event: Any, remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
        """The branch's result, or one of the workflow's named errors (see the module docstring)."""
        try:
            return self._describe(event, remaining_ms)
        except DescribeTaskError:
            raise
        except AiFailure as exc:
            raise exc.task_error(exc.message) from None
        except ApiError as exc:  # DependencyDown and friends from S3, KMS, DynamoDB
            _log("describe task: dependency unavailable", exc)
            error: DescribeTaskError = (
                DescribeUnavailable("a dependency is unavailable")
                if exc.status == 503
                else DescribeUpstreamError("the task failed")
            )
            raise error from None
        except Exception as exc:
            # The boundary of the task: whatever escaped becomes a named error with a fixed message,
            # because Step Functions records the message (a raw one may name hosts or inputs).
            _log("describe task: unexpected failure", exc)
            raise DescribeUpstreamError("the task failed") from None

    def _describe(self, event: Any, remaining_ms: Callable[[], int] | None) -> dict[str, Any]:
        now = self._clock()
        task = _parse(event)
        due = task.deadline / 1000
        if remaining_ms is not None:
            due = min(due, now + remaining_ms() / 1000 - LAMBDA_MARGIN_S)
        if now >= due:
            raise DescribeTimeout("the deadline has passed")
        key = self._key(task)
        provider = self._providers(key)
        ref = task.image_ref
        data = self._blobs(ref.bucket).get(ref.key)
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            _log("describe task: image does not match its hash", None)
            raise DescribeUpstreamError("the stored image does not match its reference")
        request = DescribeRequest(
            image=ImageInput(data, ref.media_type, ref.facts.facts() if ref.facts else None),
            language=task.language,
            style=task.style,
            max_length=task.max_length,
            custom_prompt=task.custom_prompt,
        )
        described = provider.describe_image(request, Deadline(due, self._clock))
        return {
            "language": task.language,
            "ok": True,
            "content": described.content,
            "wordCount": described.word_count,
            "model": described.model,
            "provider": described.provider,
            "usage": described.usage.to_json(),
        }

    def _key(self, task: TaskInput) -> ApiKey | None:
        if task.encrypted_key is None:
            return self._server_key()
        try:
            return open_from_workflow(task.encrypted_key, task.generation_id)
        except SealedKeyError as exc:
            _log("describe task: the sealed key did not open", exc)
            raise DescribeUpstreamError("the caller's key could not be opened") from None


def _parse(event: Any) -> TaskInput:
    try:
        return TaskInput.model_validate(event)
    except ValidationError as exc:
        from describe_it.observability import logger

        # Field paths and error types only: the input holds the caller's prompt and sealed key.
        problems = [
            {"loc": list(e.get("loc", ())), "type": e.get("type")}
            for e in exc.errors(include_input=False, include_url=False)[:10]
        ]
        logger.warning("describe task: invalid input", extra={"problems": problems})
        raise DescribeUpstreamError("the task input is invalid") from None


def _log(message: str, exc: BaseException | None) -> None:
    from describe_it.observability import logger

    logger.warning(message, extra={"error": type(exc).__name__ if exc else None})


@cache
def get_task() -> DescribeLanguageTask:
    return DescribeLanguageTask()

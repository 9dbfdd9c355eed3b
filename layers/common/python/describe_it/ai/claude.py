"""The Claude provider: the ``anthropic`` SDK (imported on the first call, never at import time),
bounded by the caller's deadline, behind the shared circuit breaker and the server key's budget.

**Retries** are ours, around the SDK with ``max_retries=0`` (spec §1.9). The SDK's own knobs cannot
express the rules: it retries on the status alone — a spend-limit 429 too (see
tests/integration/ai/test_fake_anthropic.py) — honours any ``retry-after`` and knows nothing of our
deadline. So: at most two attempts; the second only after a 429 whose ``retry-after`` is ≤ 3 s, a 529,
a 5xx or a connection error (no ``retry-after`` above 3 s), never after ``enforced_spend_limit_reached``,
and only while ≥ 10 s of the deadline remain. The wait is the ``retry-after``, else 0.5–1 s of jitter.
Each attempt's timeout is ``deadline − now − 1.5 s``; an attempt that would get none is not made.

**Circuit** (``circuit#anthropic``): timeouts, connection errors, 5xx and 529 are failures; a
rejected key, a client error and a rate limit are neutral (not counted; a half-open trial is
released); any answer from the model is a success, even one we cannot use.

**Budget**: a server-key attempt reserves an upper bound of its tokens first (``ai.budget``) and
settles with the billed usage; callers' own keys are not counted.

**Privacy**: the SDK logs whole requests (prompt, image) at DEBUG, so its loggers are held at
WARNING whatever the root level; our log lines carry counts and classes only (``ai.usage.record``).
"""

from __future__ import annotations

import base64
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from describe_it.ai import prompts
from describe_it.ai.budget import DailyTokenBudget, Reservation
from describe_it.ai.errors import (
    AiFailure,
    CircuitOpen,
    ContentRefused,
    KeyRejected,
    ProviderFailure,
    ProviderOutputInvalid,
    ProviderOverloaded,
    ProviderRateLimited,
    ProviderTimeout,
    SpendLimitReached,
)
from describe_it.ai.keys import ApiKey
from describe_it.ai.provider import (
    Deadline,
    DescribeRequest,
    Description,
    JsonAnswer,
    JsonRequest,
    M,
    ProviderName,
)
from describe_it.ai.text import plain_prose, trim_to_words
from describe_it.ai.usage import Usage, input_token_bound, record, usage_of
from describe_it.errors import ServiceUnavailable
from describe_it.runtime.circuit import CircuitBreaker

SAFETY_S = 1.5  # each attempt's timeout is the remaining deadline minus this (spec §5.1)
MIN_RETRY_BUDGET_S = 10.0  # retry only while this much of the deadline remains (spec §1.9)
MAX_RETRY_AFTER_S = 3.0
MAX_ATTEMPTS = 2  # max_retries 0–1
SPEND_LIMIT_CODE = "enforced_spend_limit_reached"
SPEND_LIMIT_RETRY_AFTER_S = 3600  # a monthly cap: no point in asking again soon
_SDK_LOGGERS = ("anthropic", "httpx2")  # the SDK's: its DEBUG lines hold whole requests


@dataclass(frozen=True)
class _Failure:
    error: AiFailure
    outcome: Literal["failure", "neutral"]  # for the circuit breaker
    retryable: bool
    retry_after: float | None  # seconds, from the answer's retry-after header


class ClaudeProvider:
    def __init__(
        self,
        key: ApiKey,
        *,
        model: str,
        base_url: str,
        circuit: CircuitBreaker,
        budget: DailyTokenBudget,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._key = key
        self._model = model
        self._base_url = base_url
        self._circuit = circuit
        self._budget = budget
        self._sleep = sleep
        self._jitter = jitter

    @property
    def name(self) -> ProviderName:
        return "anthropic"

    @property
    def model(self) -> str:
        return self._model

    # -- the two calls ---------------------------------------------------------------------------

    def describe_image(self, request: DescribeRequest, deadline: Deadline) -> Description:
        system = prompts.system_prompt(
            request.language, request.style, request.max_length, request.custom_prompt
        )
        instruction = prompts.user_prompt(request.language, request.max_length)
        max_tokens = prompts.max_tokens_for(request.max_length)
        image = {
            "type": "base64",
            "media_type": request.image.media_type,
            "data": base64.b64encode(request.image.data).decode("ascii"),
        }
        body = {
            "model": self._model,
            "max_tokens": max_tokens,
            "system": system,
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image", "source": image}, {"type": "text", "text": instruction}],
                }
            ],
        }
        reserve = input_token_bound([system, instruction], images=1) + max_tokens
        message, used = self._call(body, deadline, task="describe", reserve=reserve)
        content, count, truncated = trim_to_words(plain_prose(_text_of(message)), request.max_length)
        if count == 0:
            raise ProviderOutputInvalid()
        return Description(
            language=request.language,
            content=content,
            word_count=count,
            provider="anthropic",
            model=str(getattr(message, "model", None) or self._model),
            usage=used,
            truncated=truncated,
        )

    def generate_json(self, request: JsonRequest[M], deadline: Deadline) -> JsonAnswer[M]:
        from anthropic import transform_schema
        from pydantic import ValidationError

        schema = transform_schema(request.output)
        body = {
            "model": self._model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": [{"role": "user", "content": request.prompt}],
            "output_config": {"format": {"type": "json_schema", "schema": schema}},
        }
        reserve = input_token_bound([request.system, request.prompt], images=0, schema=schema)
        message, used = self._call(body, deadline, task=request.task, reserve=reserve + request.max_tokens)
        try:
            # The schema the API enforced is a simplified one (constraints become descriptions):
            # the model itself is the check.
            value = request.output.model_validate_json(_text_of(message))
        except ValidationError as exc:
            _log_invalid_output(request.task, exc)
            raise ProviderOutputInvalid() from None
        return JsonAnswer(value=value, provider="anthropic", model=self._model, usage=used)

    # -- one bounded call ------------------------------------------------------------------------

    def _call(
        self, body: dict[str, Any], deadline: Deadline, *, task: str, reserve: int
    ) -> tuple[Any, Usage]:
        import anthropic

        started = time.monotonic()
        client = self._client()
        attempt = 0
        try:
            while True:
                attempt += 1
                if deadline.remaining() <= SAFETY_S:
                    self._record(task, attempt - 1, "deadline", Usage(), started)
                    raise ProviderTimeout()
                reservation = self._admit(task, attempt, started, reserve)
                # Measured after admission: the circuit and budget round trips (a cold client's
                # first one most of all) must not push the call's end past the deadline.
                timeout = deadline.remaining() - SAFETY_S
                if timeout <= 0:
                    reservation.release()
                    self._circuit.record_neutral()
                    self._record(task, attempt - 1, "deadline", Usage(), started)
                    raise ProviderTimeout()
                try:
                    message = client.messages.create(**body, timeout=timeout)
                except anthropic.APIError as exc:
                    reservation.release()
                    failure = _classify(exc, self._key)
                    if failure.outcome == "failure":
                        self._circuit.record_failure()
                    else:
                        self._circuit.record_neutral()
                    _log_failure(task, exc, attempt)
                    wait = self._retry_wait(failure, attempt, deadline)
                    if wait is None:
                        self._record(task, attempt, type(failure.error).__name__, Usage(), started)
                        raise failure.error from None
                    self._sleep(wait)
                    continue
                except BaseException:
                    reservation.release()
                    self._circuit.record_neutral()
                    raise
                self._circuit.record_success()
                used = usage_of(message)
                reservation.settle(used.total_tokens)
                self._record(task, attempt, str(getattr(message, "stop_reason", None)), used, started)
                return message, used
        finally:
            if self._key.own:
                client.close()

    def _admit(self, task: str, attempt: int, started: float, reserve: int) -> Reservation:
        """Circuit first (no DynamoDB write while it is open), then the budget for server-key calls."""
        try:
            self._circuit.before_call()
        except ServiceUnavailable as exc:
            self._record(task, attempt - 1, "CircuitOpen", Usage(), started)
            raise CircuitOpen(retry_after=int(exc.headers.get("Retry-After", "5"))) from None
        if self._key.own:
            return Reservation(None, "", 0)
        try:
            return self._budget.reserve(reserve)
        except BaseException:
            self._circuit.record_neutral()  # no call was made: release a trial we may hold
            raise

    def _retry_wait(self, failure: _Failure, attempt: int, deadline: Deadline) -> float | None:
        if not failure.retryable or attempt >= MAX_ATTEMPTS:
            return None
        if deadline.remaining() < MIN_RETRY_BUDGET_S:
            return None
        if failure.retry_after is not None:
            return failure.retry_after if failure.retry_after <= MAX_RETRY_AFTER_S else None
        return 0.5 + 0.5 * self._jitter()

    def _record(self, task: str, attempts: int, outcome: str, used: Usage, started: float) -> None:
        record(
            task=task,
            provider="anthropic",
            model=self._model,
            key_source=self._key.source,
            usage=used,
            attempts=attempts,
            outcome=outcome,
            latency_ms=(time.monotonic() - started) * 1000,
        )

    def _client(self) -> Any:
        _quiet_sdk_loggers()
        if self._key.own:
            return _new_client(self._key.value, self._base_url)
        return _server_client(self._key.value, self._base_url)


def _new_client(api_key: str, base_url: str) -> Any:
    import anthropic

    # Credentials and endpoint explicit: the SDK then reads neither from the environment. No
    # tracing spans: their content mode can be switched on from the environment.
    return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, open_telemetry=False)


@lru_cache(maxsize=2)
def _server_client(api_key: str, base_url: str) -> Any:
    """One client (one connection pool) per warm function for the server key."""
    return _new_client(api_key, base_url)


@lru_cache(maxsize=1)
def _quiet_sdk_loggers() -> None:
    for name in _SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _text_of(message: Any) -> str:
    if getattr(message, "stop_reason", None) == "refusal":
        raise ContentRefused()
    text = "".join(
        str(getattr(block, "text", "")) for block in message.content if getattr(block, "type", None) == "text"
    )
    if not text.strip():
        raise ProviderOutputInvalid()
    return text


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (an HTTP date counts as unknown)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) * scale
        except ValueError:
            return None
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return None


def _classify(exc: Exception, key: ApiKey) -> _Failure:
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return _Failure(ProviderTimeout(), "failure", False, None)
    if isinstance(exc, anthropic.APIConnectionError):
        return _Failure(ProviderFailure("The AI provider could not be reached"), "failure", True, None)
    if not isinstance(exc, anthropic.APIStatusError):  # an answer the SDK could not read
        return _Failure(ProviderOutputInvalid(), "neutral", False, None)
    status = exc.status_code
    retry_after = _retry_after(exc.response.headers)
    wait_hint = math.ceil(retry_after) if retry_after is not None else 5
    if status == 429:
        if exc.error_code == SPEND_LIMIT_CODE:
            return _Failure(SpendLimitReached(retry_after=SPEND_LIMIT_RETRY_AFTER_S), "neutral", False, None)
        return _Failure(
            ProviderRateLimited(retry_after=wait_hint), "neutral", retry_after is not None, retry_after
        )
    if status == 529:
        return _Failure(ProviderOverloaded(retry_after=wait_hint), "failure", True, retry_after)
    if status >= 500:
        return _Failure(ProviderFailure(), "failure", True, retry_after)
    if status in (401, 403):
        # The caller's own key: their mistake (400). The server's key: our configuration (502, logged).
        return _Failure(KeyRejected() if key.own else ProviderFailure(), "neutral", False, None)
    return _Failure(ProviderFailure(), "neutral", False, None)  # 400, 404, 413…: our request, not its health


def _log_failure(task: str, exc: Exception, attempt: int) -> None:
    from describe_it.observability import logger

    # The API's error type and code and its request id; never its message (it may quote the request).
    logger.warning(
        "ai call failed",
        extra={
            "ai": {
                "task": task,
                "attempt": attempt,
                "error": type(exc).__name__,
                "status": getattr(exc, "status_code", None),
                "errorType": getattr(exc, "type", None),
                "errorCode": getattr(exc, "error_code", None),
                "providerRequestId": getattr(exc, "request_id", None),
            }
        },
    )


def _log_invalid_output(task: str, exc: Exception) -> None:
    from pydantic import ValidationError

    from describe_it.observability import logger

    # Where the answer broke the schema (paths and error types), never the answer itself.
    errors = exc.errors(include_input=False, include_url=False) if isinstance(exc, ValidationError) else []
    logger.warning(
        "ai answer failed validation",
        extra={
            "ai": {
                "task": task,
                "problems": [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in errors[:10]],
            }
        },
    )

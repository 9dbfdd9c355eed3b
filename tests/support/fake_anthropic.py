"""A fake Anthropic Messages API on 127.0.0.1, for tests and benchmarks: the real SDK talks to it.

Point the SDK at ``fake.base_url`` with ``fake.api_key`` and it runs its real code path (request
building, headers, retries, timeouts, error classes, ``messages.parse``) against this server. The
fake checks what the SDK sends the way the API would (``POST /v1/messages``, the API key in
``x-api-key`` or, as anthropic 2.14 sends it, ``Authorization: Bearer``; ``anthropic-version``;
model, ``max_tokens``, messages of text and image blocks, the system prompt,
a structured-output schema under ``output_config.format``) and answers 400/401/404 like the API when
something is wrong. Every request is recorded (``fake.requests``) for assertions.

What it answers is configurable per call (``fake.enqueue(reply, ...)``, taken in order of arrival)
or as a default (``fake.default``); without either, a request with a JSON schema gets a minimal JSON
object that fits the schema and any other request a fixed text. Replies: ``Reply.message(text)``,
``Reply.json(value)``, ``Reply.malformed()`` (prose where JSON was asked), ``Reply.schema_violating()``,
``Reply.refusal()``, ``Reply.rate_limited(retry_after=None)``, ``Reply.spend_limit()`` (429
``enforced_spend_limit_reached``), ``Reply.overloaded()`` (529), ``Reply.server_error()`` (500),
``Reply.invalid_key()`` (401), ``Reply.hanging()`` (never answers: past any client timeout); any of
them ``.after(seconds)`` for latency.

It listens on loopback only and never opens a connection itself. It does not need pytest (the
benchmarks use it); the ``fake_anthropic`` fixture in tests/conftest.py starts one per test.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The API versions it accepts: the classic one (curl, older SDKs) and the one anthropic 2.14 sends.
API_VERSIONS = ("2023-06-01", "2026-10-21")
DEFAULT_API_KEY = "sk-ant-api03-fake-" + "0123456789abcdefABCDEF" * 4 + "-test"
DEFAULT_TEXT = "A fake description from the test double."
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
IMAGE_TOKENS = 1_600  # about what the API charges for a 1568 px image
_BODY_FIELDS = {
    "model",
    "max_tokens",
    "messages",
    "system",
    "output_config",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "metadata",
    "stream",
    "tools",
    "tool_choice",
    "thinking",
    "service_tier",
}


@dataclass(frozen=True)
class Reply:
    """One answer of the fake. Build with the class methods; ``after`` adds latency."""

    status: int = 200
    text: str | None = None  # the assistant's text (status 200)
    error_type: str | None = None  # the API error type (status >= 400)
    error_message: str = ""
    error_code: str | None = None  # error.details.error_code
    headers: Mapping[str, str] = field(default_factory=dict)
    stop_reason: str = "end_turn"
    input_tokens: int | None = None
    output_tokens: int | None = None
    delay_s: float = 0.0
    hang: bool = False
    schema_violation: bool = False
    # Called in the server thread before answering (tests pass e.g. a barrier's ``wait``).
    before: Callable[[], object] | None = None

    def after(self, seconds: float) -> Reply:
        """The same reply, answered ``seconds`` after the request arrived."""
        return dataclasses.replace(self, delay_s=seconds)

    @classmethod
    def message(cls, text: str, **options: Any) -> Reply:
        """A 200 Messages API response whose one text block is ``text``."""
        return cls(text=text, **options)

    @classmethod
    def json(cls, value: Any, **options: Any) -> Reply:
        return cls(text=json.dumps(value, ensure_ascii=False), **options)

    @classmethod
    def malformed(cls) -> Reply:
        """Prose where JSON was asked for."""
        return cls(text='Sure! Here is the JSON you asked for: {"description": "A red bicycle…')

    @classmethod
    def schema_violating(cls) -> Reply:
        """Valid JSON that breaks the request's schema (required fields missing, an unknown one)."""
        return cls(schema_violation=True)

    @classmethod
    def refusal(cls) -> Reply:
        return cls(text="", stop_reason="refusal")

    @classmethod
    def rate_limited(cls, retry_after: float | None = None) -> Reply:
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return cls(
            429,
            error_type="rate_limit_error",
            error_message="Number of requests exceeds your rate limit",
            headers=headers,
        )

    @classmethod
    def spend_limit(cls) -> Reply:
        """The monthly spend cap of the organisation's tier: a 429 that no retry fixes (no retry-after)."""
        return cls(
            429,
            error_type="rate_limit_error",
            error_message="Your organization has reached its monthly usage limit",
            error_code="enforced_spend_limit_reached",
        )

    @classmethod
    def overloaded(cls, retry_after: float | None = None) -> Reply:
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return cls(529, error_type="overloaded_error", error_message="Overloaded", headers=headers)

    @classmethod
    def server_error(cls) -> Reply:
        return cls(500, error_type="api_error", error_message="Internal server error")

    @classmethod
    def invalid_key(cls) -> Reply:
        return cls(401, error_type="authentication_error", error_message="invalid x-api-key")

    @classmethod
    def hanging(cls) -> Reply:
        """Never answers (until the fake stops): the client's timeout is what ends the call."""
        return cls(hang=True)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: Any  # the parsed JSON body (None if it was not JSON)
    problems: tuple[str, ...]  # what the API would have refused; empty for a well-formed request

    def _blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        for message in (self.body or {}).get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                blocks.append({"type": "text", "text": content})
            elif isinstance(content, list):
                blocks += [block for block in content if isinstance(block, dict)]
        return blocks

    @property
    def api_key(self) -> str | None:
        return api_key_of(self.headers)

    @property
    def model(self) -> Any:
        return (self.body or {}).get("model")

    @property
    def max_tokens(self) -> Any:
        return (self.body or {}).get("max_tokens")

    @property
    def system(self) -> Any:
        return (self.body or {}).get("system")

    @property
    def images(self) -> list[dict[str, Any]]:
        return [block for block in self._blocks() if block.get("type") == "image"]

    @property
    def texts(self) -> list[str]:
        return [str(block.get("text")) for block in self._blocks() if block.get("type") == "text"]

    @property
    def schema(self) -> Any:
        """The structured-output JSON schema (``output_config.format.schema``), or None."""
        output_format = ((self.body or {}).get("output_config") or {}).get("format") or {}
        return output_format.get("schema")

    @property
    def retry_count(self) -> int:
        """How many times the SDK had already tried this call (its ``x-stainless-retry-count``)."""
        return int(self.headers.get("x-stainless-retry-count", "0"))


def api_key_of(headers: Mapping[str, str]) -> str | None:
    """The key a request carries: ``x-api-key``, or ``Authorization: Bearer`` (how anthropic 2.14
    sends an API key)."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def request_problems(path: str, headers: Mapping[str, str], body: Any) -> list[str]:
    """What the Messages API would refuse in this request (400), in plain words."""
    problems: list[str] = []
    if headers.get("anthropic-version") not in API_VERSIONS:
        problems.append(f"anthropic-version header must be one of {list(API_VERSIONS)}")
    if not headers.get("content-type", "").startswith("application/json"):
        problems.append("content-type must be application/json")
    if not isinstance(body, dict):
        return [*problems, "the body must be a JSON object"]
    if unknown := sorted(set(body) - _BODY_FIELDS):
        problems.append(f"unknown fields {unknown}")
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("model: a non-empty string is required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        problems.append("max_tokens: a positive integer is required")
    if body.get("stream"):
        problems.append("stream: the fake answers only non-streaming requests")
    problems += _system_problems(body.get("system"))
    problems += _messages_problems(body.get("messages"))
    problems += _output_config_problems(body.get("output_config"))
    return problems


def _system_problems(system: Any) -> list[str]:
    if system is None or isinstance(system, str):
        return []
    if isinstance(system, list) and all(
        isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str) for b in system
    ):
        return []
    return ["system: a string or a list of text blocks"]


def _messages_problems(messages: Any) -> list[str]:
    if not isinstance(messages, list) or not messages:
        return ["messages: a non-empty list is required"]
    problems: list[str] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            problems.append(f"{where}: role must be user or assistant")
            continue
        content = message.get("content")
        if isinstance(content, str):
            if not content:
                problems.append(f"{where}.content: empty")
        elif isinstance(content, list) and content:
            for number, block in enumerate(content):
                problems += _block_problems(block, f"{where}.content[{number}]")
        else:
            problems.append(f"{where}.content: a string or a non-empty list of blocks")
    if isinstance(messages[0], dict) and messages[0].get("role") != "user":
        problems.append("messages[0]: the first message must be the user's")
    return problems


def _block_problems(block: Any, where: str) -> list[str]:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "text":
        return (
            []
            if isinstance(block.get("text"), str) and block["text"]
            else [f"{where}: text must be non-empty"]
        )
    if kind != "image":
        return [f"{where}: the fake accepts text and image blocks only (got {kind!r})"]
    source = block.get("source")
    if not isinstance(source, dict):
        return [f"{where}.source: required"]
    if source.get("type") == "url":
        url = source.get("url")
        return (
            []
            if isinstance(url, str) and url.startswith("https://")
            else [f"{where}.source.url: an https URL"]
        )
    if source.get("type") != "base64":
        return [f"{where}.source.type: base64 or url"]
    problems = []
    if source.get("media_type") not in IMAGE_TYPES:
        problems.append(f"{where}.source.media_type: one of {sorted(IMAGE_TYPES)}")
    try:
        if not base64.b64decode(source.get("data") or "", validate=True):
            problems.append(f"{where}.source.data: empty")
    except (binascii.Error, TypeError, ValueError):
        problems.append(f"{where}.source.data: not base64")
    return problems


def _output_config_problems(output_config: Any) -> list[str]:
    if output_config is None:
        return []
    if not isinstance(output_config, dict) or set(output_config) - {"format", "effort"}:
        return ["output_config: an object with format and/or effort"]
    output_format = output_config.get("format")
    if output_format is None:
        return []
    if not isinstance(output_format, dict) or output_format.get("type") != "json_schema":
        return ["output_config.format.type must be json_schema"]
    schema = output_format.get("schema")
    if not isinstance(schema, dict) or "type" not in schema:
        return ["output_config.format.schema: a JSON schema object"]
    return []


def instance_of(schema: Mapping[str, Any]) -> Any:
    """A minimal value that satisfies a (simple) JSON schema: what the default reply answers."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return instance_of(schema[combinator][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: instance_of(properties.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [instance_of(schema.get("items", {}))] * schema.get("minItems", 0)
    if kind == "string":
        return "fake " * max(1, (schema.get("minLength", 0) + 4) // 5)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def _estimate_input_tokens(body: Any) -> int:
    if not isinstance(body, dict):
        return 1
    record = RecordedRequest("POST", "/v1/messages", {}, body, ())
    system = body.get("system")
    system_text = system if isinstance(system, str) else json.dumps(system or "")
    characters = sum(len(text) for text in record.texts) + len(system_text)
    return max(1, characters // 4) + IMAGE_TOKENS * len(record.images)


class FakeAnthropic:
    """The server. ``with FakeAnthropic() as fake:`` starts and stops it."""

    def __init__(self, api_keys: set[str] | None = None) -> None:
        """``api_keys``: the keys it accepts (default: ``DEFAULT_API_KEY``); any other → 401."""
        self.api_keys = api_keys if api_keys is not None else {DEFAULT_API_KEY}
        self.default: Reply | None = None
        # Picks the answer from the request body before the queue (e.g. by the prompt's language);
        # None from it falls through to the queue and the default.
        self.choose: Callable[[dict[str, Any]], Reply | None] | None = None
        self._queue: list[Reply] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the API: the SDK reuses connections

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # benchmarks open many connections at once

        self._server = Server(("127.0.0.1", 0), Handler)
        # A short poll interval: stop() waits for the serving loop to notice, once per test.
        serve = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-anthropic", daemon=True
        )
        serve.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends delays and hangs at once
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_key(self) -> str:
        return DEFAULT_API_KEY if DEFAULT_API_KEY in self.api_keys else next(iter(self.api_keys))

    # -- configuration and records --

    def enqueue(self, *replies: Reply) -> None:
        """Answers for the next well-formed calls, one each, in order of arrival."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()
        self.default = None
        self.choose = None

    # -- serving --

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        raw = handler.rfile.read(int(headers.get("content-length") or 0))
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        number = next(self._ids)
        path = handler.path.split("?", 1)[0]
        if handler.command != "POST" or path != "/v1/messages":
            problems = [f"{handler.command} {path}: the fake serves POST /v1/messages only"]
            self._record(handler, path, headers, body, problems)
            self._send_error(handler, number, 404, "not_found_error", problems[0])
            return
        if api_key_of(headers) not in self.api_keys:
            self._record(handler, path, headers, body, ["API key: missing or not accepted"])
            self._send_error(handler, number, 401, "authentication_error", "invalid x-api-key")
            return
        problems = request_problems(path, headers, body)
        self._record(handler, path, headers, body, problems)
        if problems:
            self._send_error(handler, number, 400, "invalid_request_error", "; ".join(problems))
            return
        reply = self._next_reply(body)
        if reply.before is not None:
            reply.before()
        if reply.hang:
            self._stopping.wait(300)
            handler.close_connection = True
            return
        if reply.delay_s:
            self._stopping.wait(reply.delay_s)
        if reply.status >= 400:
            self._send_error(
                handler,
                number,
                reply.status,
                reply.error_type or "api_error",
                reply.error_message,
                reply.error_code,
                reply.headers,
            )
        else:
            self._send(handler, reply.status, self._message(number, body, reply), reply.headers, number)

    def _record(
        self,
        handler: BaseHTTPRequestHandler,
        path: str,
        headers: dict[str, str],
        body: Any,
        problems: list[str],
    ) -> None:
        with self._lock:
            self._requests.append(RecordedRequest(handler.command, path, headers, body, tuple(problems)))

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        chosen = self.choose(body) if self.choose is not None else None
        if chosen is not None:
            return chosen
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        if self.default is not None:
            return self.default
        schema = RecordedRequest("POST", "/v1/messages", {}, body, ()).schema
        return Reply.json(instance_of(schema)) if schema else Reply.message(DEFAULT_TEXT)

    @staticmethod
    def _message(number: int, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        text = reply.text or ""
        if reply.schema_violation:
            text = json.dumps({"unexpected": True})
        content = [{"type": "text", "text": text}] if text or reply.stop_reason != "refusal" else []
        return {
            "id": f"msg_fake_{number:06d}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": reply.input_tokens
                if reply.input_tokens is not None
                else _estimate_input_tokens(body),
                "output_tokens": reply.output_tokens
                if reply.output_tokens is not None
                else max(1, len(text) // 4),
            },
        }

    def _send_error(
        self,
        handler: BaseHTTPRequestHandler,
        number: int,
        status: int,
        error_type: str,
        message: str,
        error_code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        error: dict[str, Any] = {"type": error_type, "message": message}
        if error_code:
            error["details"] = {"error_code": error_code}
        body = {"type": "error", "error": error, "request_id": f"req_fake_{number:06d}"}
        self._send(handler, status, body, headers or {}, number)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: Any, headers: Mapping[str, str], number: int
    ) -> None:
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(data)))
            handler.send_header("request-id", f"req_fake_{number:06d}")
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            handler.close_connection = True

"""Every response a test sees is checked against the documented contract (the generated OpenAPI document).

``tests.support.lambda_invoke.invoke`` calls ``check`` on each reply, so the whole suite is a check of
the contract: the status must be documented for the operation, the content type must be the documented
one (none for a 303/304), the JSON body must validate against the documented schema (``$ref``s
resolved, formats checked), and each documented header must be present when required and match its
schema when sent. A request that matches no operation (unknown path, unserved method, ``OPTIONS``) must
get the error envelope or an empty body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:describe-it:openapi"
ERROR_ENVELOPE = "#/components/schemas/ErrorEnvelope"


class ContractViolation(AssertionError):
    pass


@cache
def document() -> dict[str, Any]:
    from infra.local.openapi import generate

    return generate()


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict[str, Any]


@cache
def _operations() -> tuple[tuple[re.Pattern[str], Operation], ...]:
    found: list[tuple[int, re.Pattern[str], Operation]] = []
    for path, item in document()["paths"].items():
        pattern = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
        for method, spec in item.items():
            # A literal path wins over a template that also matches it (as the router decides).
            found.append((path.count("{"), pattern, Operation(path, method.upper(), spec)))
    return tuple((pattern, op) for _, pattern, op in sorted(found, key=lambda f: f[0]))


def operation_for(method: str, path: str) -> Operation | None:
    method = "GET" if method == "HEAD" else method  # HEAD is served wherever GET is, without a body
    for pattern, op in _operations():
        if op.method == method and pattern.match(path):
            return op
    return None


@cache
def _validator(pointer: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document()))
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _resolve(node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    """Follow a ``$ref`` (components) so JSON pointers below it address real nodes."""
    while "$ref" in node:
        pointer = node["$ref"]
        node = document()
        for part in pointer.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def _validate(pointer: str, instance: Any, what: str) -> None:
    errors = sorted(_validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(
            f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:5]
        )
        raise ContractViolation(f"{what} does not match {pointer}: {shown}")


def check(method: str, path: str, status: int, headers: dict[str, str], text: str) -> None:
    """Raise ``ContractViolation`` when this response breaks the documented contract."""
    what = f"{method} {path} → {status}"
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    op = None if method == "OPTIONS" else operation_for(method, path)
    if op is None:
        # No operation: the middleware's preflight (204, no body) or an error envelope (404, 405, 403).
        if text and status >= 400:
            _validate(ERROR_ENVELOPE, json.loads(text), what)
        elif text:
            raise ContractViolation(f"{what}: a body where no operation is documented")
        return
    responses = op.spec.get("responses", {})
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    if key not in responses:
        raise ContractViolation(
            f"{what}: status not documented for {op.method} {op.path} (documented: {', '.join(responses)})"
        )
    base = f"#/paths/{_escape(op.path)}/{op.method.lower()}/responses/{key}"
    response, base = _resolve(responses[key], base)
    _check_headers(response, base, headers, what)
    content = response.get("content") or {}
    if not content:
        if text:
            raise ContractViolation(f"{what}: documented without a body, but one was sent")
        return
    if method == "HEAD":
        return
    if media not in content:
        raise ContractViolation(
            f"{what}: content type {media or '(none)'} is not one of {', '.join(content)}"
        )
    if media == "application/json" and content[media].get("schema", {}).get("format") != "binary":  # a file
        _validate(f"{base}/content/{_escape(media)}/schema", json.loads(text), what)


def _check_headers(response: dict[str, Any], base: str, sent: dict[str, str], what: str) -> None:
    for name, spec in (response.get("headers") or {}).items():
        spec, pointer = _resolve(spec, f"{base}/headers/{_escape(name)}")
        value = sent.get(name.lower())
        if value is None:
            if spec.get("required"):
                raise ContractViolation(f"{what}: required header {name} is missing")
            continue
        schema = spec.get("schema", {})
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]+", value):
                raise ContractViolation(f"{what}: header {name}={value!r} is not an integer")
            _validate(f"{pointer}/schema", int(value), f"{what} header {name}")
        else:
            _validate(f"{pointer}/schema", value, f"{what} header {name}")

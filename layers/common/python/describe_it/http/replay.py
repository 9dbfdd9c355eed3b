"""Replay hooks: what an idempotent route keeps of its answer, and how a replay rebuilds it.

A stored response never holds a secret in clear (correction 10). A route whose answer carries one
names a hook in its policy (``policy(idempotent=True, replay="signup-session")``): ``redact`` runs
on the response before it is stored, ``restore`` on the stored response before it is replayed. The
policy is plain data (it is published in the OpenAPI document), so hooks are registered here by
name, before the route is declared; declaring a route with an unknown name fails at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from describe_it.runtime.idempotency import StoredResponse

Redact = Callable[["StoredResponse"], "StoredResponse"]
# (the replayed request, its validated parameters by name, the stored response) → what to send
Restore = Callable[[Request, Mapping[str, Any], "StoredResponse"], "StoredResponse"]


@dataclass(frozen=True)
class ReplayHook:
    redact: Redact
    restore: Restore


_HOOKS: dict[str, ReplayHook] = {}


def register_replay_hook(name: str, hook: ReplayHook) -> None:
    _HOOKS[name] = hook


def replay_hook(name: str) -> ReplayHook:
    try:
        return _HOOKS[name]
    except KeyError:
        raise LookupError(f"No replay hook {name!r}: register it before declaring the route") from None


def envelope_data(stored: StoredResponse) -> dict[str, Any] | None:
    """The ``data`` object of a stored success envelope; ``None`` for errors and other bodies."""
    try:
        body = json.loads(stored.body)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) and body.get("success") is True else None
    return data if isinstance(data, dict) else None


def without_data_fields(*names: str) -> Redact:
    """A ``redact`` step: the success envelope without ``data.<name>`` (errors are kept as they are)."""

    def redact(stored: StoredResponse) -> StoredResponse:
        data = envelope_data(stored)
        if data is None or not any(name in data for name in names):
            return stored
        return _with_data(stored, {k: v for k, v in data.items() if k not in names})

    return redact


def with_data_field(stored: StoredResponse, name: str, value: Any) -> StoredResponse:
    """The stored success envelope with ``data.<name>`` set (a plain JSON value)."""
    data = envelope_data(stored)
    if data is None:
        raise ValueError("Not a success envelope")
    return _with_data(stored, {**data, name: value})


def _with_data(stored: StoredResponse, data: dict[str, Any]) -> StoredResponse:
    body = json.loads(stored.body)
    body["data"] = data
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return replace(stored, body=encoded)

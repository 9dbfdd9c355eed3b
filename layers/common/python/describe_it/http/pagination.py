"""The one pagination helper (spec §1.7): limit/offset or an opaque keyset cursor, and the envelope block.

A cursor carries the last row's sort key and id, signed with an HMAC so a tampered or foreign cursor is
a 400, never a confusing page. Routes declare ``page: Page = Depends(page_params)``, query one row more
than ``limit`` to learn ``hasMore``, and answer with ``ok(..., pagination=page.block(total, rows))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Query

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.envelope import Pagination
from describe_it.models import rule, server_rules
from describe_it.settings import get_settings

MAX_LIMIT = 100
MAX_OFFSET = 10_000


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("Invalid cursor", details=[Detail("cursor", "Invalid cursor", "invalid_format")])


def _mac(payload: bytes, scope: str) -> bytes:
    key = get_settings().ip_hash_secret.get_secret_value().encode()
    return hmac.new(key, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:12]


def encode_cursor(after: list[Any], scope: str) -> str:
    """``after`` = the last row's sort key(s) and id; ``scope`` binds the cursor to one list (route + sort)."""
    payload = json.dumps(after, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(_mac(payload, scope) + payload).rstrip(b"=").decode()


def decode_cursor(cursor: str, scope: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        mac, payload = raw[:12], raw[12:]
        if not hmac.compare_digest(mac, _mac(payload, scope)):
            raise _bad_cursor()
        after = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(after, list) or not after:
        raise _bad_cursor()
    return after


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    cursor: str | None

    def after(self, scope: str) -> list[Any] | None:
        return decode_cursor(self.cursor, scope) if self.cursor else None

    def block(
        self, total: int | None, has_more: bool, next_after: list[Any] | None, scope: str
    ) -> dict[str, Any]:
        """``total`` None: not counted (correction 25 allows it on keyset-paginated routes). Built as
        the envelope's ``Pagination`` (mypy checks the keys); returned as a plain dict so services
        can pass it on without naming the type."""
        block: Pagination = {
            "total": total,
            "offset": self.offset,
            "limit": self.limit,
            "hasMore": has_more,
        }
        if has_more and next_after is not None:
            block["nextCursor"] = encode_cursor(next_after, scope)
        return dict(block)


def page_params(
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int | None = Query(None, ge=0, le=MAX_OFFSET),
    cursor: str | None = Query(
        None,
        min_length=1,
        max_length=512,
        description="Opaque: the `nextCursor` of the previous page; not together with `offset`",
        # A cursor is signed by the server: one it did not issue is a 400, whatever its shape.
        json_schema_extra=server_rules(
            rule("cursor", "a cursor this list issued", code="invalid_format"),
            rule("offset", "not together with cursor", message="Not allowed together with cursor"),
        ),
    ),
) -> Page:
    if cursor is not None and offset is not None:
        raise ValidationFailed(
            "Use either cursor or offset, not both",
            details=[Detail("offset", "Not allowed together with cursor", "invalid_format")],
        )
    return Page(limit=limit, offset=offset or 0, cursor=cursor)

"""The pagination helper: bounds, cursor round trip, tampered and foreign cursors are 400."""

from __future__ import annotations

import pytest
from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.errors import ValidationFailed
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, decode_cursor, encode_cursor, page_params
from describe_it.http.policy import policy
from tests.support.lambda_invoke import LambdaContext, Reply, http_event

ROWS = list(range(1, 46))  # a table of 45 ids
router = api_router()


@router.get("/api/numbers", openapi_extra=policy(auth="none", burst=False))
def numbers(request: Request, page: Page = Depends(page_params)) -> Response:
    after = page.after("numbers")
    start = ROWS.index(after[0]) + 1 if after else page.offset
    chunk = ROWS[start : start + page.limit + 1]
    rows, has_more = chunk[: page.limit], len(chunk) > page.limit
    return ok(
        request, rows, pagination=page.block(len(ROWS), has_more, [rows[-1]] if rows else None, "numbers")
    )


handler = make_handler(create_app(router))


def get(query: str = "") -> Reply:
    return Reply(handler(http_event("GET", "/api/numbers", query=query), LambdaContext()))


def test_defaults_and_offset():
    first = get()
    assert first.data == ROWS[:20]
    assert first.json["pagination"] == {
        "total": 45,
        "offset": 0,
        "limit": 20,
        "hasMore": True,
        "nextCursor": first.json["pagination"]["nextCursor"],
    }
    assert get("limit=10&offset=40").data == ROWS[40:]


def test_cursor_walks_every_row_once():
    seen, query = [], "limit=7"
    while True:
        reply = get(query)
        seen += reply.data
        if not reply.json["pagination"]["hasMore"]:
            break
        query = f"limit=7&cursor={reply.json['pagination']['nextCursor']}"
    assert seen == ROWS


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "offset=-1", "offset=10001", "limit=abc", "cursor=abc&offset=3"]
)
def test_out_of_range(query):
    reply = get(query)
    assert reply.status == 400 and reply.json["code"] == "VALIDATION_ERROR"


def test_tampered_and_foreign_cursors_are_refused():
    cursor = encode_cursor([5, "x"], "numbers")
    assert decode_cursor(cursor, "numbers") == [5, "x"]
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, "another-list")
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor[:-3] + "AAA", "numbers")
    assert get("cursor=not-a-cursor").status == 400

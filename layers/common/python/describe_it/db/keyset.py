"""Keyset pages in SQL (architecture rule 9): the sort key, the window, and the clauses that select it.

A page sorted by ``expression`` (ties broken by the row id) continues strictly after the last row of
the previous page, ``(expression, id) < (after_key, after_id)`` for a descending sort, so pages never
skip or repeat a row while rows are being added. The cursor that carries ``after`` is signed by
``http.pagination``; here it is only ever a bound parameter, cast back to the expression's type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SortKey:
    """A keyset sort: the SQL expression, the type its cursor value is cast back to, the direction."""

    expression: str
    cast: str
    descending: bool


@dataclass(frozen=True)
class Window:
    """Which rows of a sorted result: after a cursor key, or from an offset; ``limit`` + 1 are read."""

    limit: int
    offset: int = 0
    after: list[Any] | None = None


def keyset(sort: SortKey, window: Window, id_column: str, params: dict[str, Any]) -> tuple[str, str]:
    """(extra WHERE clause, ORDER BY … LIMIT … OFFSET …) of a keyset page."""
    direction = "DESC" if sort.descending else "ASC"
    where = ""
    if window.after is not None:
        params["after_key"], params["after_id"] = window.after[0], window.after[1]
        op = "<" if sort.descending else ">"
        where = f" AND ({sort.expression}, {id_column}) {op} (%(after_key)s{sort.cast}, %(after_id)s::uuid)"
    params["limit"], params["offset"] = window.limit + 1, window.offset
    order = (
        f" ORDER BY {sort.expression} {direction}, {id_column} {direction} LIMIT %(limit)s OFFSET %(offset)s"
    )
    return where, order

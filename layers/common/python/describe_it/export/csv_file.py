"""CSV export: RFC 4180 (``\\r\\n``, quoted as needed), UTF-8 with a BOM, a header row, one content type.

The BOM is what makes a spreadsheet read the file as UTF-8 (accents intact). The header holds the
API field names; a vocabulary export with progress adds ``progress.<field>`` columns. A cell that a
spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a carriage return) is
prefixed with ``'``. Rows are encoded and written batch by batch.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from operator import attrgetter
from typing import IO, Any

from describe_it.export.models import ROW_TYPES, ExportContent, ExportMeta, ItemProgress, Row, api_name
from describe_it.export.text import cell_text

BOM = "\ufeff".encode()
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Column = tuple[str, Callable[[Row], Any]]


def write_csv(sink: IO[bytes], meta: ExportMeta, content: ExportContent) -> int:
    """Write the one section of ``content``; returns the number of rows written."""
    name, batches = content.only_section()
    columns = _columns(ROW_TYPES[name], include_progress=meta.include_progress)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _ in columns])
    sink.write(BOM + buffer.getvalue().encode())
    count = 0
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[safe_cell(cell_text(get(row))) for _, get in columns] for row in batch])
        sink.write(buffer.getvalue().encode())
        count += len(batch)
    return count


def safe_cell(text: str) -> str:
    """Formula injection (OWASP "CSV injection"): a leading ``'`` makes the spreadsheet show text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _columns(row_type: type[Row], *, include_progress: bool) -> list[Column]:
    columns: list[Column] = []
    for f in dataclasses.fields(row_type):
        if f.name != "progress":
            columns.append((api_name(f.name), attrgetter(f.name)))
        elif include_progress:
            columns.extend(
                (f"progress.{api_name(p.name)}", _progress_getter(p.name))
                for p in dataclasses.fields(ItemProgress)
            )
    return columns


def _progress_getter(name: str) -> Callable[[Row], Any]:
    def get(row: Row) -> Any:
        progress = getattr(row, "progress", None)
        return None if progress is None else getattr(progress, name)

    return get

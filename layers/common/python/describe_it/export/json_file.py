"""JSON export: ``{exportedAt, contentType, filters, vocabulary?, descriptions?, qa?, progress?}``.

Streamed: the header is written first, then each section's array one element at a time as its batches
arrive, so memory holds one batch whatever the size of the export. The output is one valid JSON
document (UTF-8, no BOM) with the API's field names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import IO, Any
from uuid import UUID

from describe_it.export.models import ExportContent, ExportMeta, api_dict
from describe_it.models import format_timestamp


def write_json(sink: IO[bytes], meta: ExportMeta, content: ExportContent) -> int:
    """Write the document to ``sink``; returns the number of rows written (all sections)."""
    head = {
        "exportedAt": format_timestamp(meta.exported_at),
        "contentType": meta.content_type,
        "filters": _plain(meta.filters),
    }
    # The header object without its closing brace: the sections follow as further members.
    sink.write(_dumps(head)[:-1].encode())
    count = 0
    for name, batches in content.sections():
        sink.write(f",{_dumps(name)}:[".encode())
        first = True
        for batch in batches:
            parts = [_dumps(api_dict(row, include_progress=meta.include_progress)) for row in batch]
            if parts:
                sink.write(("" if first else ",").encode() + ",".join(parts).encode())
                first = False
                count += len(parts)
        sink.write(b"]")
    sink.write(b"}")
    return count


def _dumps(value: Any) -> str:
    # allow_nan=False: NaN is not JSON; a NaN in a row is a bug to surface, not a file no parser reads.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """Filters as JSON values (the service passes its validated filter model, dumped)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value

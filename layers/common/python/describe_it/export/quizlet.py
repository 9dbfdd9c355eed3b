"""Quizlet export: ``term<TAB>definition`` lines, the text Quizlet's "Import" box takes by default.

Term = Spanish, definition = English. Tabs and line breaks inside a cell become spaces (one line per
card, one tab per line). UTF-8 without BOM (it is pasted, not opened by a spreadsheet).
"""

from __future__ import annotations

from typing import IO

from describe_it.export.models import Batches, VocabularyRow
from describe_it.export.text import one_line


def write_quizlet(sink: IO[bytes], batches: Batches[VocabularyRow]) -> int:
    """Write one line per item; returns the number of lines."""
    count = 0
    for batch in batches:
        lines = [f"{one_line(row.spanish_text)}\t{one_line(row.english_translation)}\n" for row in batch]
        sink.write("".join(lines).encode())
        count += len(lines)
    return count

"""Memory: every streaming writer's peak stays flat as the export grows (500 vs 5,000 rows).

Peak traced memory (tracemalloc: Python allocations; SQLite's page cache is outside it and bounded by
its cache size) of the same writer on 10x the rows must stay within 1.5x: a writer that kept rows,
lines or ids would grow with them (10x rows → several times the peak). A writer holds the previous
batch while the next one is built, so memory is flat from the second batch on: the rows come in
batches of 100 here (5 and 50 batches). Ratios of two runs in one process, no clock. The figures of
5,000 vs 50,000 rows in batches of 500 are bench/export_formats.py's; the PDF keeps its pages by
design and is reported there.
"""

from __future__ import annotations

import pytest

from tests.unit.export.synthetic import traced_peak

SMALL, LARGE, BATCH = 500, 5_000, 100


@pytest.mark.parametrize("kind", ["json", "csv", "quizlet", "anki-text", "apkg"])
def test_peak_memory_is_flat_from_500_to_5000_rows(kind: str) -> None:
    traced_peak(kind, 50)  # warm-up: imports and one-time caches are not the writer's per-row cost
    small_peak, small_size = traced_peak(kind, SMALL, batch_size=BATCH)
    large_peak, large_size = traced_peak(kind, LARGE, batch_size=BATCH)

    assert large_size > 8 * small_size  # the large file really holds ten times the rows
    assert large_peak <= 1.5 * small_peak, (
        f"{kind}: peak {small_peak} B at {SMALL} rows, {large_peak} B at {LARGE}"
    )

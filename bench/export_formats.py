"""Export writers: time and peak memory per format on 5,000 and 50,000 synthetic vocabulary rows.

    .venv/bin/python -m bench.export_formats                  # every format, 5,000 and 50,000 rows
    .venv/bin/python -m bench.export_formats --formats pdf --rows 500,5000

Each case runs twice in this process: once for the time (no tracing), once under tracemalloc for the
peak (traced Python memory, which tracing slows down; SQLite's own page cache is outside it). Rows
are built lazily in batches of 500, as keyset pages from the database would arrive, and the file goes
to a sink that counts bytes and keeps none. Flat memory shows as a ``peak ×`` close to 1 between the
small and the large run; the PDF keeps its pages, so its peak grows with the page count.
"""

from __future__ import annotations

import argparse
import gc
import platform
import time

from describe_it.export.files import FILE_FORMATS, FileKind, write_file
from describe_it.export.models import ExportContent, ExportMeta
from tests.unit.export.synthetic import EXPORTED_AT, CountingSink, traced_peak, vocabulary_batches


def timed(kind: FileKind, rows: int) -> float:
    meta = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT)
    gc.collect()
    start = time.perf_counter()
    write_file(kind, CountingSink(), meta, ExportContent(vocabulary=vocabulary_batches(rows)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(FILE_FORMATS), help="comma-separated file kinds")
    parser.add_argument("--rows", default="5000,50000", help="comma-separated row counts")
    args = parser.parse_args()
    kinds: list[FileKind] = [kind for kind in FILE_FORMATS if kind in args.formats.split(",")]
    counts = [int(count) for count in args.rows.split(",")]

    print(f"# {platform.machine()}, Python {platform.python_version()}, batches of 500 rows")
    print("| format | rows | seconds | rows/s | file KiB | peak traced KiB | peak × (vs first row count) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        traced_peak(kind, 50)  # warm-up: imports, font parsing, caches
        first_peak = 0
        for rows in counts:
            seconds = timed(kind, rows)
            peak, size = traced_peak(kind, rows)
            first_peak = first_peak or peak
            print(
                f"| {kind} | {rows:,} | {seconds:.2f} | {rows / seconds:,.0f} | {size / 1024:,.0f} "
                f"| {peak / 1024:,.0f} | {peak / first_peak:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

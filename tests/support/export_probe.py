"""Run exports in a process of their own and report each one's peak memory (tests and bench use it).

    python -m tests.support.export_probe [--discard|--worker] [--no-trace] [--batch=N] <user-id>:<export-id> ...
    python -m tests.support.export_probe --upload <MiB> ...

The local stack's S3 (moto) runs inside the test or bench process and keeps every object it is sent
in memory there; measured in that process, an upload would look like it holds the file. Here, as in a
Lambda, only the export's own code runs: each export is written by ``ExportRunner.produce`` (rows
from PostgreSQL, the writer, the file on disk, the upload to the stack's S3) under tracemalloc, and
one JSON line per export says its peak traced bytes, file size, row count, seconds and the process's
peak RSS. ``--discard``: the file is read back in 64 KiB chunks instead of uploaded (the rows →
writer → disk stage alone). ``--worker``: the worker's whole run of a pending export, through its
handler code (claim, rows, file, upload, completion; a traced run is given an hour, the untraced one
the worker's real deadline). ``--batch=N``: fetch N rows at a time instead of the repository's 500 (a
writer holds the previous batch while the next is fetched, so memory is flat from the second batch
on: small runs need several). ``--upload``: only the upload stage, of a file of that many MiB. The first
export of a run warms the process up (imports, the S3 client, the font) and is reported like the
others. The settings come from the environment: the stack's, exported by the caller.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO
from uuid import UUID

from describe_it.runtime.blobs import BlobStore


class Discard(BlobStore):
    """Reads the file as an upload would, and keeps nothing."""

    def put_file(self, key: str, file: IO[bytes], *, media_type: str, filename: str) -> None:
        while file.read(64 * 1024):
            pass


@contextmanager
def traced(result: dict[str, float], trace: bool) -> Iterator[None]:
    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
        result["peak"] = tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        if trace:
            tracemalloc.stop()
    result["seconds"] = time.perf_counter() - started
    result["max_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(user_id: UUID, export_id: UUID, *, trace: bool, discard: bool) -> dict[str, float]:
    from describe_it.db.tx import transaction
    from describe_it.export import repository as repo
    from describe_it.export.runner import ExportRunner

    with transaction("app", user_id) as conn:
        export = repo.get(conn, export_id)
    assert export is not None, f"no export {export_id} for {user_id}"
    runner = ExportRunner(store=Discard() if discard else None)
    result: dict[str, float] = {}
    with traced(result, trace):
        produced = runner.produce(export, check=lambda: None, keep_text=False)
    return {**result, "size": produced.size, "records": produced.records}


def run_worker(user_id: UUID, export_id: UUID, *, trace: bool) -> dict[str, float]:
    from describe_it.db.tx import transaction
    from describe_it.export import repository as repo
    from describe_it.export.worker import handle

    result: dict[str, float] = {}
    # The traced run measures memory: tracemalloc slows the code severalfold, so it is not held to the
    # worker's deadline (the untraced run, which gives the seconds, is).
    remaining_ms = None if not trace else (lambda: 3_600_000)
    with traced(result, trace):
        outcome = handle({"exportId": str(export_id), "userId": str(user_id)}, remaining_ms)
    assert outcome["outcome"] == "completed", outcome
    with transaction("app", user_id) as conn:
        export = repo.get(conn, export_id)
    assert export is not None
    return {**result, "size": export.file_size_bytes or 0, "records": export.records_count or 0}


def upload(mib: int, *, trace: bool) -> dict[str, float]:
    """A file of ``mib`` MiB (not very compressible) through ``BlobStore.put_file`` to the stack's S3."""
    result: dict[str, float] = {}
    with tempfile.TemporaryFile() as file:
        block = os.urandom(64 * 1024).hex().encode()  # 128 KiB
        for _ in range(mib * 8):
            file.write(block)
        size = file.tell()
        file.seek(0)
        with traced(result, trace):
            BlobStore().put_file(
                f"exports/probe/{mib}.bin", file, media_type="text/plain", filename="probe.txt"
            )
    return {**result, "size": size}


def main(argv: list[str]) -> int:
    trace = "--no-trace" not in argv
    args = [arg for arg in argv if not arg.startswith("--")]
    for arg in argv:
        if arg.startswith("--batch="):
            from describe_it.export import repository

            repository.BATCH = int(arg.removeprefix("--batch="))
    for arg in args:
        if "--upload" in argv:
            line = upload(int(arg), trace=trace)
        elif "--worker" in argv:
            user, export = arg.split(":")
            line = run_worker(UUID(user), UUID(export), trace=trace)
        else:
            user, export = arg.split(":")
            line = measure(UUID(user), UUID(export), trace=trace, discard="--discard" in argv)
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

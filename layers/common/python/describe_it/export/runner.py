"""Writing an export's file: rows streamed from PostgreSQL into the writer, the file into S3.

One code path for the exports written inside their request and for the export worker:

- ``produce``: each section's rows come from a server-side cursor, batch by batch, under the
  owner's row-level security, into the file writer (``files.write_file``), which writes a file on
  local disk (``/tmp``); the file is then streamed to S3 under ``exports/<user>/<id>/<filename>``.
  Memory holds one batch of rows, never the export.
- Status: a run holds its claim by ``started_at`` (``repository.claim``) and can complete or fail
  only that claim, so a second delivery of the same event does nothing, and a run whose lease was
  taken over cannot overwrite the newer run's outcome. An outage (database, S3) sends a worker run
  back to pending and is raised, so Lambda delivers the event again (twice at most); running out of
  time and any other error fail the export for good (the same rows would fail again).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import DependencyDown, LoggableError
from describe_it.export import repository as repo
from describe_it.export.api import SECTIONS, ExportFilters, ExportJob, ExportOptions
from describe_it.export.files import FILE_FORMATS, FileKind, kind_for
from describe_it.export.lifecycle import KEEP, LEASE, START_BY, storage_key
from describe_it.export.models import ExportContent, ExportMeta
from describe_it.observability import error_fields, logger
from describe_it.runtime.blobs import BlobStore
from describe_it.vocabulary.repository import ItemFilter

INLINE_CONTENT_MAX = 256 * 1024
# The export's read transaction: how long it may wait for the writer between fetches, and how long
# one fetch may take (the first one sorts the section).
READ_IDLE_S = 120
READ_STATEMENT_S = 60
TEXT_KINDS: frozenset[FileKind] = frozenset({"json", "csv", "anki-text", "quizlet"})

Check = Callable[[], None]


class ExportTimedOut(LoggableError):
    """The worker's time ran out before the file was written."""


def selection(filters: ExportFilters) -> repo.Selection:
    """What the request's filters select, section by section (README, "Exports")."""
    item_level, qa_level = filters.levels()
    start, end = filters.window()
    return repo.Selection(
        items=ItemFilter(
            list_id=filters.list_id,
            collection_name=filters.collection_name,
            category=filters.category,
            difficulty=item_level,
            tags=filters.tags or None,
        ),
        start=start,
        end=end,
        qa_difficulty=qa_level,
        qa_category=filters.category,
        favorite_only=bool(filters.favorite_only),
        description_tags=filters.tags or None,
    )


@dataclass(frozen=True)
class Produced:
    records: int
    size: int
    key: str
    text: str | None  # the file's text: a text file of at most 256 KB written inside its request


class ExportRunner:
    def __init__(self, clock: Clock = system_clock, store: BlobStore | None = None) -> None:
        self.clock = clock
        self.store = store or BlobStore()

    def run(self, job: ExportJob, *, deadline: float | None = None) -> str:
        """The worker's event: claim the export and run it. Returns ``completed``, ``failed``, or
        ``skipped`` (not this run's: done, running elsewhere, or unknown). ``deadline``: the
        ``time.monotonic()`` by which the file must be written."""
        now = self.clock()
        with transaction("app", job.user_id) as conn:
            export = repo.claim(conn, job.export_id, now, lease=LEASE, start_by=START_BY)
        if export is None:
            logger.info(
                "export not claimed: done, running or unknown", extra={"export_id": str(job.export_id)}
            )
            return "skipped"

        def check() -> None:
            if deadline is not None and time.monotonic() > deadline:
                raise ExportTimedOut(f"export {export.id} ran out of time")

        produced = self.run_claimed(export, check=check, worker=True)
        return "completed" if produced is not None else "failed"

    def run_claimed(self, export: repo.ExportRow, *, check: Check, worker: bool) -> Produced | None:
        """Write, store and complete ``export`` (claimed by the caller); None when it did not complete.

        A passing outage (``DependencyDown``) is raised: a worker run goes back to pending for the next
        delivery of its event; a run inside the request is failed, and the client gets the 503.
        """
        assert export.started_at is not None
        started = time.monotonic()
        try:
            produced = self.produce(export, check=check, keep_text=not worker)
        except DependencyDown as exc:
            self._record_failure(export, exc, retry=worker)
            raise
        except ExportTimedOut as exc:
            self._record_failure(export, exc, message="The export took too long; narrow the filters")
            return None
        except Exception as exc:
            self._record_failure(export, exc)
            if worker:
                return None  # recorded; Lambda's retry would fail the same way
            raise
        finished = self.clock()
        with transaction("app", export.user_id) as conn:
            done = repo.complete(
                conn,
                export.id,
                export.started_at,
                records=produced.records,
                size=produced.size,
                storage_key=produced.key,
                now=finished,
                expires_at=finished + KEEP,
            )
        fields = {"export_id": str(export.id), "format": export.format, "records": produced.records}
        if not done:  # the claim was taken over or settled meanwhile: that outcome stands
            logger.warning("export written after losing its claim", extra=fields)
            return None
        elapsed_ms = round((time.monotonic() - started) * 1000)
        logger.info("export completed", extra={**fields, "bytes": produced.size, "ms": elapsed_ms})
        return produced

    def fail_unstarted(self, user_id: UUID, export_id: UUID) -> None:
        """A pending export whose worker could not be started."""
        with transaction("app", user_id) as conn:
            repo.fail(
                conn, export_id, None, "The export could not be started; please try again", self.clock()
            )

    def _record_failure(
        self,
        export: repo.ExportRow,
        exc: Exception,
        *,
        retry: bool = False,
        message: str = "The export could not be written",
    ) -> None:
        assert export.started_at is not None
        logger.warning(
            "export failed", extra={"export_id": str(export.id), "retry": retry, **error_fields(exc)}
        )
        try:
            with transaction("app", export.user_id) as conn:
                if retry:
                    repo.release(conn, export.id, export.started_at)
                else:
                    repo.fail(conn, export.id, export.started_at, message, self.clock())
        except DependencyDown:
            # The database is the outage: the claim's lease runs out and the next read settles it.
            logger.warning("export status not recorded", extra={"export_id": str(export.id)})

    def produce(self, export: repo.ExportRow, *, check: Check, keep_text: bool) -> Produced:
        """Stream the export's rows into its file on local disk, then the file into S3."""
        assert export.filename is not None
        options = ExportOptions.model_validate(export.options)
        kind = kind_for(export.format, options.anki_file)
        meta = ExportMeta(
            content_type=export.content_type,
            exported_at=self.clock(),
            filters=export.filters,
            include_progress=options.include_progress,
        )
        chosen = selection(ExportFilters.model_validate(export.filters))
        key = storage_key(export.user_id, export.id, export.filename)
        with tempfile.TemporaryFile(prefix="export-") as file:
            with transaction("app", export.user_id) as conn:
                from describe_it.export.files import write_file

                repo.long_read(conn, idle_s=READ_IDLE_S, statement_s=READ_STATEMENT_S)
                records = write_file(kind, file, meta, _content(conn, export, chosen, options, check))
            size = file.tell()
            text = None
            if keep_text and kind in TEXT_KINDS and size <= INLINE_CONTENT_MAX:
                file.seek(0)
                text = file.read().decode("utf-8")
            check()
            file.seek(0)
            self.store.put_file(key, file, media_type=FILE_FORMATS[kind].media_type, filename=export.filename)
        return Produced(records, size, key, text)


def _content(
    conn: repo.Conn, export: repo.ExportRow, chosen: repo.Selection, options: ExportOptions, check: Check
) -> ExportContent:
    """One batch source per section of the export. Each is a generator: its cursor is declared only
    when the writer reaches that section."""
    me = export.user_id
    sections = SECTIONS[export.content_type]
    return ExportContent(
        vocabulary=repo.vocabulary(conn, me, chosen, with_progress=options.include_progress, check=check)
        if "vocabulary" in sections
        else None,
        descriptions=repo.descriptions(conn, me, chosen, check=check) if "descriptions" in sections else None,
        qa=repo.qa(conn, me, chosen, check=check) if "qa" in sections else None,
        progress=repo.progress(conn, me, chosen, check=check) if "progress" in sections else None,
    )


def get_export_runner() -> ExportRunner:
    return ExportRunner()

"""Accepting an export (POST /api/export/generate, spec §13): who may, and where it runs.

- **Order**: the request is validated (format/content pairs included, ``api.py``); then the tier
  gate (pdf, anki, quizlet → basic) is checked before any row is read (``check_tier``; with an
  Idempotency-Key the route's request gate runs it before the idempotency record, http/gates.py).
  An accepted request always writes an ``export_history`` row.
- **Inline or worker**: the rows are counted, up to one past the limit: at most
  ``export_inline_max_rows`` (PDF: ``export_inline_max_pdf_rows``) are written inside the request
  (201, with a small text file's content); a larger export is queued for the export worker (202) and
  the client polls ``GET /api/export/{id}``. Both are written by ``runner.ExportRunner``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID, uuid4

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import DependencyDown, NotFound
from describe_it.export import repository as repo
from describe_it.export.api import SECTIONS, ExportCreated, ExportJob, ExportRequest
from describe_it.export.files import FILE_FORMATS, FileKind, kind_for
from describe_it.export.history import ExportHistory
from describe_it.export.runner import ExportRunner, selection
from describe_it.identity import Principal
from describe_it.observability import error_fields, logger
from describe_it.tiers import require_feature

TIERED = {"pdf": "export.pdf", "anki": "export.anki", "quizlet": "export.quizlet"}
_SUFFIX: dict[FileKind, str] = {"anki-text": "-anki", "quizlet": "-quizlet"}

Dispatch = Callable[[ExportJob], None]


def check_tier(principal: Principal, format: str) -> None:
    """pdf, anki and quizlet need the basic tier (spec §2.2): 403 FEATURE_REQUIRED otherwise."""
    feature = TIERED.get(format)
    if feature is not None:
        require_feature(principal, feature, "format")


def filename(body: ExportRequest, now: datetime) -> str:
    kind = kind_for(body.format, body.options.anki_file)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return f"describe-it-{body.content_type}-{stamp}{_SUFFIX.get(kind, '')}.{FILE_FORMATS[kind].extension}"


class ExportService:
    def __init__(
        self,
        clock: Clock = system_clock,
        runner: ExportRunner | None = None,
        history: ExportHistory | None = None,
        dispatch: Dispatch | None = None,
    ) -> None:
        self.clock = clock
        self.runner = runner or ExportRunner(clock)
        self.history = history or ExportHistory(clock)
        if dispatch is None:
            from describe_it.export.dispatch import start_worker

            dispatch = start_worker
        self.dispatch = dispatch

    def generate(self, principal: Principal, body: ExportRequest) -> tuple[int, ExportCreated]:
        """201 with the finished export (and a small text file's content), or 202 queued."""
        assert principal.user_id is not None, "export routes require authentication"
        me = principal.user_id
        check_tier(principal, body.format)  # before any row is read
        from describe_it.settings import get_settings

        settings = get_settings()
        cap = settings.export_inline_max_pdf_rows if body.format == "pdf" else settings.export_inline_max_rows
        chosen = selection(body.filters)
        now = self.clock()
        with transaction("app", me) as conn:
            if body.filters.list_id is not None:
                from describe_it.vocabulary.repository import get_list

                if get_list(conn, body.filters.list_id) is None:  # not readable: not there
                    raise NotFound("List not found")
            rows = 0
            for section in SECTIONS[body.content_type]:
                rows += repo.count_up_to(conn, me, section, chosen, cap + 1 - rows)
                if rows > cap:
                    break
            inline = rows <= cap
            export = repo.insert(
                conn,
                export_id=uuid4(),
                user_id=me,
                format=body.format,
                content_type=body.content_type,
                filters=body.filters.model_dump(mode="json", by_alias=True, exclude_none=True),
                options=body.options.model_dump(mode="json", by_alias=True),
                filename=filename(body, now),
                started_at=now if inline else None,  # inline: this request holds the claim
                now=now,
            )
        if not inline:
            self._queue(me, export.id)
            return 202, ExportCreated(**self.history.view(export, now).model_dump())
        produced = self.runner.run_claimed(export, check=lambda: None, worker=False)
        view = self.history.get(principal, export.id)
        if produced is None or produced.text is None:
            return 201, ExportCreated(**view.model_dump())
        media = FILE_FORMATS[kind_for(body.format, body.options.anki_file)].media_type
        return 201, ExportCreated(**view.model_dump(), content=produced.text, mime_type=media)

    def _queue(self, user_id: UUID, export_id: UUID) -> None:
        try:
            self.dispatch(ExportJob(export_id=export_id, user_id=user_id))
        except Exception as exc:
            logger.warning(
                "export worker could not be started", extra={"export_id": str(export_id), **error_fields(exc)}
            )
            self.runner.fail_unstarted(user_id, export_id)
            raise DependencyDown("The export could not be started", retry_after=5) from exc
        logger.info("export queued", extra={"export_id": str(export_id)})


def get_export_service() -> ExportService:
    return ExportService()

"""Reading exports (spec §13): the history, one export, its download, its link.

Someone else's export does not exist for the caller (row-level security: 404). Every read first
settles the caller's exports that can no longer finish (``repository.settle``): a run past its lease
or a start that never came is failed, a file past its 7 days is expired, so no export reads as
processing forever and no expired file is offered. ``downloadUrl`` is made on every read: in AWS a
presigned GET for 15 minutes (never past ``expiresAt``), locally the download route, which serves
the file itself to the bearer of a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import Conflict, NotFound
from describe_it.export import repository as repo
from describe_it.export.api import ExportView, Format, Status
from describe_it.export.files import FILE_FORMATS, kind_for
from describe_it.export.lifecycle import LEASE, START_BY
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.runtime.blobs import BlobStore

LINK_TTL_S = 15 * 60


@dataclass(frozen=True)
class Download:
    """What GET /api/export/{id}/download answers: a redirect (AWS) or the file itself (local)."""

    filename: str
    media_type: str
    redirect: str | None = None
    chunks: Iterator[bytes] | None = None


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "export routes require authentication"
    return principal.user_id


def _not_found() -> NotFound:
    return NotFound("Export not found")


def media_type(row: repo.ExportRow) -> str:
    return FILE_FORMATS[kind_for(row.format, row.options.get("ankiFile"))].media_type


class ExportHistory:
    def __init__(
        self, clock: Clock = system_clock, store: BlobStore | None = None, presign: bool | None = None
    ) -> None:
        from describe_it.settings import get_settings

        self.clock = clock
        self.store = store or BlobStore()
        # AWS answers with presigned S3 URLs; the local stack serves files through its own route.
        self.presign = get_settings().stage == "aws" if presign is None else presign

    def history(
        self, principal: Principal, *, status: Status | None, format: Format | None, page: Page
    ) -> tuple[list[ExportView], dict[str, Any]]:
        """GET /api/export: newest first, keyset pages, the exact total."""
        me = _user(principal)
        scope = f"exports:{status}:{format}"
        after = page.after(scope)
        # The cursor is signed (http/pagination.py): its payload is what this method encoded.
        keyset = (datetime.fromisoformat(after[0]), UUID(after[1])) if after is not None else None
        now = self.clock()
        with transaction("app", me) as conn:
            repo.settle(conn, me, now, lease=LEASE, start_by=START_BY)
            total = repo.count(conn, me, status=status, format=format)
            rows = repo.page(
                conn, me, status=status, format=format, limit=page.limit, offset=page.offset, after=keyset
            )
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        next_after = [shown[-1].created_at.isoformat(), str(shown[-1].id)] if shown else None
        return [self.view(row, now) for row in shown], page.block(total, has_more, next_after, scope)

    def get(self, principal: Principal, export_id: UUID) -> ExportView:
        """GET /api/export/{id}."""
        row, now = self._settled_row(principal, export_id)
        return self.view(row, now)

    def download(self, principal: Principal, export_id: UUID) -> Download:
        """GET /api/export/{id}/download: 404 foreign or expired, 409 not (yet) completed."""
        row, now = self._settled_row(principal, export_id)
        if row.status == "expired":
            raise NotFound("This export has expired")
        if row.status != "completed" or row.storage_key is None or row.filename is None:
            raise Conflict(f"The export is {row.status}, not completed")
        if self.presign:
            url, _ = self._link(row, now)
            return Download(row.filename, media_type(row), redirect=url)
        return Download(row.filename, media_type(row), chunks=self.store.read_chunks(row.storage_key))

    def link(self, principal: Principal, export_id: UUID) -> tuple[str | None, datetime | None]:
        """A fresh ``downloadUrl`` and its expiry for the caller's export; (None, None) when there is
        none to give (not completed, expired, not theirs). A replay of POST generate uses it."""
        now = self.clock()
        with transaction("app", _user(principal)) as conn:
            row = repo.get(conn, export_id)
        if row is None:
            return None, None
        view = self.view(row, now)
        return view.download_url, view.download_url_expires_at

    def _settled_row(self, principal: Principal, export_id: UUID) -> tuple[repo.ExportRow, datetime]:
        me = _user(principal)
        now = self.clock()
        with transaction("app", me) as conn:
            repo.settle(conn, me, now, lease=LEASE, start_by=START_BY)
            row = repo.get(conn, export_id)
        if row is None:
            raise _not_found()
        return row, now

    def view(self, row: repo.ExportRow, now: datetime) -> ExportView:
        status: Status = row.status
        if status == "completed" and row.expires_at is not None and row.expires_at <= now:
            status = "expired"  # between settles; never offered for download
        url, url_expires = self._link(row, now) if status == "completed" else (None, None)
        return ExportView(
            id=row.id,
            format=row.format,
            content_type=row.content_type,
            status=status,
            records_count=row.records_count,
            file_size_bytes=row.file_size_bytes,
            filename=row.filename,
            download_url=url,
            download_url_expires_at=url_expires,
            expires_at=row.expires_at,
            error_message=row.error_message,
            filters=row.filters,
            options=row.options,
            created_at=row.created_at,
            completed_at=row.completed_at,
        )

    def _link(self, row: repo.ExportRow, now: datetime) -> tuple[str, datetime | None]:
        if not self.presign:
            return f"/api/export/{row.id}/download", None
        assert row.storage_key is not None
        assert row.expires_at is not None
        assert row.filename is not None
        seconds = max(1, min(LINK_TTL_S, int((row.expires_at - now).total_seconds())))
        url = self.store.presign_get(
            row.storage_key, expires_s=seconds, filename=row.filename, media_type=media_type(row)
        )
        return url, now + timedelta(seconds=seconds)


def get_export_history() -> ExportHistory:
    return ExportHistory()

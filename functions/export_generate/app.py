"""POST /api/export/generate — export vocabulary, descriptions, answers or progress as a file (spec §13)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.export.api import ExportCreated, ExportRequest
from describe_it.export.history import get_export_history
from describe_it.export.service import ExportService, check_tier, get_export_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.gates import register_gate
from describe_it.http.policy import policy
from describe_it.http.replay import (
    ReplayHook,
    envelope_data,
    register_replay_hook,
    with_data_field,
    without_data_fields,
)
from describe_it.identity import Principal
from describe_it.runtime.idempotency import StoredResponse

router = api_router()


def fresh_link(request: Request, inputs: Mapping[str, Any], stored: StoredResponse) -> StoredResponse:
    """A presigned URL is a credential for 15 minutes: it is never stored, and a replay gets a new one."""
    data = envelope_data(stored)
    if data is None or "id" not in data:
        return stored  # errors hold no link
    url, expires = get_export_history().link(request.state.principal, UUID(data["id"]))
    stored = with_data_field(stored, "downloadUrl", url)
    return with_data_field(stored, "downloadUrlExpiresAt", expires.isoformat() if expires else None)


register_replay_hook(
    "export-link",
    ReplayHook(redact=without_data_fields("downloadUrl", "downloadUrlExpiresAt"), restore=fresh_link),
)
register_gate("export-tier", lambda who, inputs: check_tier(who, inputs["body"].format))


@router.endpoint(
    "POST",
    "/api/export/generate",
    ExportCreated,
    policy(auth="required", rate_class="export", idempotent=True, replay="export-link", gate="export-tier"),
    status=201,
    also={202: ExportCreated},  # queued for the export worker: poll the export
    errors=(403, 404),
    headers=("Location",),
)
def generate_export(
    body: ExportRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: ExportService = Depends(get_export_service),
) -> Response:
    """Export your data

    Vocabulary, descriptions, answers or progress as JSON, CSV, PDF, Anki or Quizlet: 201 with the file when it is small, else 202 and the export worker builds it (poll `GET /api/export/{id}`). Some formats need a paid tier (403 `FEATURE_REQUIRED`).
    """
    status, export = service.generate(who, body)
    return ok(request, export, status_code=status, headers={"Location": f"/api/export/{export.id}"})


app = create_app(router)
lambda_handler = make_handler(app)

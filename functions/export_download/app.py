"""GET /api/export/{id}/download — the export's file (spec §13): in AWS a 302 to a fresh presigned S3
URL, locally the file itself as an attachment."""

from fastapi import Depends
from starlette.responses import RedirectResponse, Response, StreamingResponse

from describe_it.export.history import ExportHistory, get_export_history
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import errors
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.runtime.blobs import attachment
from describe_it.vocabulary.params import path_id

router = api_router()

_FILE_TYPES = ("application/json", "text/csv", "application/pdf", "application/octet-stream", "text/plain")


@router.get(
    "/api/export/{id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The file (local mode), with Content-Disposition: attachment",
            "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in _FILE_TYPES},
        },
        302: {"description": "AWS: Location is a presigned S3 URL, valid 15 minutes"},
        **errors(401, 404, 409, 429, 503),
    },
    openapi_extra=policy(auth="required", rate_class="read"),
)
def download_export(
    id: str,
    who: Principal = Depends(principal),
    history: ExportHistory = Depends(get_export_history),
) -> Response:
    file = history.download(who, path_id(id, "Export not found"))
    if file.redirect is not None:
        return RedirectResponse(file.redirect, status_code=302)
    assert file.chunks is not None
    return StreamingResponse(
        file.chunks, media_type=file.media_type, headers={"Content-Disposition": attachment(file.filename)}
    )


app = create_app(router)
lambda_handler = make_handler(app)

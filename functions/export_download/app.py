"""GET /api/export/{id}/download — the export's file (spec §13): in AWS a 302 to a fresh presigned S3
URL, locally the file itself as an attachment."""

from fastapi import Depends
from starlette.responses import RedirectResponse, Response, StreamingResponse

from describe_it.export.files import FILE_FORMATS
from describe_it.export.history import ExportHistory, get_export_history
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.runtime.blobs import attachment
from describe_it.vocabulary.params import PathId, path_id

router = api_router()

# Every kind of file an export can be (documented by media type, without parameters such as charset).
_FILE_TYPES = tuple(dict.fromkeys(kind.media_type.split(";")[0] for kind in FILE_FORMATS.values()))


@router.endpoint(
    "GET",
    "/api/export/{id}/download",
    None,
    policy(auth="required", rate_class="read"),
    files=_FILE_TYPES,  # locally: the file itself, as an attachment
    also={302: None},  # AWS: Location is a presigned S3 URL, valid 15 minutes
    errors=(404, 409),
    headers=("Content-Disposition",),
)
def download_export(
    id: PathId,
    who: Principal = Depends(principal),
    history: ExportHistory = Depends(get_export_history),
) -> Response:
    """Download an export's file

    In AWS a 302 to a presigned S3 URL (15 minutes); locally the file itself as an attachment. 409 while it is not completed.
    """
    file = history.download(who, path_id(id, "Export not found"))
    if file.redirect is not None:
        return RedirectResponse(file.redirect, status_code=302)
    assert file.chunks is not None
    return StreamingResponse(
        file.chunks, media_type=file.media_type, headers={"Content-Disposition": attachment(file.filename)}
    )


app = create_app(router)
lambda_handler = make_handler(app)

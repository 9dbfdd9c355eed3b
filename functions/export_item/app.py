"""GET /api/export/{id} — one export, with a fresh download link once completed (spec §13)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.export.api import ExportView
from describe_it.export.history import ExportHistory, get_export_history
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.params import PathId, path_id

router = api_router()


@router.endpoint(
    "GET",
    "/api/export/{id}",
    ExportView,
    policy(auth="required", rate_class="read"),
    errors=(404,),
)
def read_export(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    history: ExportHistory = Depends(get_export_history),
) -> Response:
    """One export

    Its status, and a fresh download link once it is completed.
    """
    return ok(request, history.get(who, path_id(id, "Export not found")))


app = create_app(router)
lambda_handler = make_handler(app)

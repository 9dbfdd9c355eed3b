"""GET /api/export — the caller's exports, newest first (spec §13)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.export.api import ExportView, Format, Status
from describe_it.export.history import ExportHistory, get_export_history
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint("GET", "/api/export", list[ExportView], policy(auth="required", rate_class="read"))
def list_exports(
    request: Request,
    status: Status | None = Query(None),
    format: Format | None = Query(None),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    history: ExportHistory = Depends(get_export_history),
) -> Response:
    """Your exports

    With their status (spec §13).
    """
    exports, block = history.history(who, status=status, format=format, page=page)
    return ok(request, exports, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)

"""`make run`: the whole service on one port, from a fresh clone, with no configuration.

Starts (or reuses) the embedded PostgreSQL and the local DynamoDB/S3 endpoint, applies migrations,
loads the demo data, and serves every function's router with the interactive API docs. Ctrl-C stops
everything it started; the data under .local/ stays for the next run.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from infra.local import stack as local_stack
from infra.local.functions import http_functions

if TYPE_CHECKING:
    from fastapi import FastAPI

DEMO_EMAIL = "demo@describe-it.local"
DEMO_PASSWORD = "demo-password-2026"


class FlushMetrics:
    """What Lambda's handler stack does per invocation, done here per request: the metrics it recorded
    are printed as one EMF document, before the last byte of the response leaves (so a client that has
    its answer can read them). Requests served at the same time share Powertools' one metric set, so
    one document may carry another concurrent request's metrics (never in Lambda, which runs one
    invocation at a time per instance)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from describe_it.observability import flush_metrics

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def flush_then_send(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                flush_metrics()
            await send(message)

        try:
            await self.app(scope, receive, flush_then_send)
        finally:
            flush_metrics()  # whatever was recorded after the response (nothing, usually)


def build_app() -> FastAPI:
    from fastapi.openapi.docs import get_swagger_ui_html
    from starlette.responses import HTMLResponse
    from starlette.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    from describe_it.http.app import create_app

    routers = [module.router for module in http_functions().values()]
    app = create_app(*routers, docs=True, title="Describe It API (local)")
    app.add_middleware(FlushMetrics)
    # The interactive docs, with Swagger UI served from the installed package: no CDN, works offline.
    app.mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Describe It API (local)",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    _serve_demo_images(app)
    return app


def _serve_demo_images(app: object) -> None:
    """``/demo-images/<file>``: the demo catalogue's pictures, for the browser (search results link here).

    Only the files the manifest lists, from the package itself. Describing one never comes back here: the
    catalogue maps these URLs to the packaged bytes (``describe_it.images.demo.find_by_url``).
    """
    from fastapi import FastAPI
    from starlette.responses import Response

    from describe_it.errors import NotFound
    from describe_it.images.demo import DISPLAY_PREFIX, by_file

    assert isinstance(app, FastAPI)

    @app.get(DISPLAY_PREFIX + "{name}", include_in_schema=False)
    def demo_image(name: str) -> Response:
        image = by_file(name)
        if image is None:
            raise NotFound("No such demo image")
        # Cross-origin: the frontend's dev server (another port, often another site) shows them in <img>.
        headers = {"Cache-Control": "public, max-age=86400", "Cross-Origin-Resource-Policy": "cross-origin"}
        return Response(image.data, media_type=image.content_type, headers=headers)


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    print("Starting the local stack (PostgreSQL, DynamoDB/S3 on loopback)…", flush=True)
    running = local_stack.start("describeit")
    env = {
        **running.env,
        "API_BASE_URL": f"http://{host}:{port}",
        "APP_BASE_URL": os.environ.get("APP_BASE_URL", "http://localhost:3000"),  # the frontend's dev server
        "CORS_ALLOWED_ORIGINS": _origins(),
    }
    local_stack.export(env)
    local_stack.publish(env)
    from describe_it.db.seed import seed

    counts = seed(running.admin_dsn())
    print(f"Demo data ready: {counts}", flush=True)
    import uvicorn

    app = build_app()
    print(
        f"\n  Describe It is running at http://{host}:{port}\n"
        f"  API docs:  http://{host}:{port}/docs\n"
        f"  Demo user: {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        local_stack.unpublish()
        running.stop()
        print("Stopped.", flush=True)
    return 0


def _origins() -> str:
    return os.environ.get(
        "CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173"
    )


if __name__ == "__main__":
    sys.exit(main())

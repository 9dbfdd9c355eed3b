"""The app factory every function uses, and the Mangum handler factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI

from describe_it.http.errors import install_error_handlers
from describe_it.http.middleware import ApiMiddleware
from describe_it.http.route import ApiRouter
from describe_it.settings import API_VERSION


def api_router() -> ApiRouter:
    """The router every function declares its routes on (guards of spec §1.4 included)."""
    return ApiRouter()


def create_app(*routers: APIRouter, docs: bool = False, title: str = "Describe It API") -> FastAPI:
    """``docs`` serves /openapi.json (the local stack adds its own offline /docs page)."""
    app = FastAPI(
        title=title,
        version=API_VERSION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    for router in routers:
        app.include_router(router)
    # The document completed from each route's policy (http/docs.py), built on first request.
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # The flat route list, for OPTIONS and 405 answers (FastAPI nests included routers lazily).
    app.state.route_table = [route for router in routers for route in router.routes]
    install_error_handlers(app)
    app.add_middleware(ApiMiddleware)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    from describe_it.http.docs import openapi

    return openapi(app)


@dataclass(frozen=True)
class InternalEvents:
    """Events a function sends itself (an asynchronous self-invocation), never from the gateway:
    ``accepts(event)`` recognises them, ``run(event, context)`` handles them under ``job_handler``."""

    accepts: Callable[[Any], bool]
    run: Callable[[Any, Any], Any]


def make_handler(
    app: FastAPI, *, internal: InternalEvents | None = None
) -> Callable[[dict[str, Any], Any], Any]:
    """The Lambda entry point: API Gateway HTTP API (payload 2.0) events through Mangum, under the
    handler stack of every function (``describe_it.handler``: Lambda context on the log lines, metrics
    flushed per invocation). The request's correlation id is the middleware's. ``internal``: the
    function's own asynchronous invocations, recognised before Mangum sees the event."""
    import gc

    from mangum import Mangum

    from describe_it.handler import invocation, job_handler
    from describe_it.http.warmup import in_lambda_init, prepare

    mangum = Mangum(app, lifespan="off")
    if in_lambda_init():  # Lambda's init phase: build now what the first request would build
        prepare(app.state.route_table)
    run_internal = job_handler(internal.run) if internal is not None else None

    def lambda_handler(event: dict[str, Any], context: Any) -> Any:
        if internal is not None and run_internal is not None and internal.accepts(event):
            return run_internal(event, context)
        with invocation(context):
            return mangum(event, context)

    # Everything imported so far lives as long as the instance: moving it out of the collector's
    # reach makes the first request's allocations (boto3 above all) cheaper to collect.
    gc.freeze()
    return lambda_handler

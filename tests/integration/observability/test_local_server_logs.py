"""The `make run` server under a real uvicorn: requests served at the same time each log their own id,
and each request's metrics are printed as EMF, as Lambda's handler stack does per invocation."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from aws_lambda_powertools.metrics import MetricUnit
from fastapi import Request
from starlette.responses import Response

from describe_it.http.app import api_router
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.observability import logger, metrics
from infra.local.run import build_app
from tests.support.logs import Output, captured

pytestmark = pytest.mark.usefixtures("clean")


@dataclass
class Server:
    url: str
    both_inside: threading.Barrier


@pytest.fixture(scope="module")
def server(stack) -> Iterator[Server]:
    """The local app plus two probe routes, served by uvicorn in a thread on a free loopback port."""
    both_inside = threading.Barrier(2, timeout=30)
    router = api_router()

    @router.get("/api/test/overlap", openapi_extra=policy(auth="none", burst=False))
    def overlap(request: Request) -> Response:  # a sync endpoint: uvicorn runs it in its thread pool
        logger.info("probe started")
        metrics.add_metric(name="ProbeRequests", unit=MetricUnit.Count, value=1)
        both_inside.wait()  # returns only when the other request is inside too
        logger.info("probe finished")
        return ok(request, {})

    @router.get("/api/test/metric", openapi_extra=policy(auth="none", burst=False))
    def metric(request: Request) -> Response:
        metrics.add_metric(name="ProbeRequests", unit=MetricUnit.Count, value=1)
        return ok(request, {})

    app = build_app()
    app.include_router(router)
    # Bound and listening before uvicorn starts: a client can connect at once, no waiting for startup.
    sock = socket.create_server(("127.0.0.1", 0))
    uv = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{sock.getsockname()[1]}", both_inside)
    finally:
        uv.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=30) as client:
        return client.get(url, headers=headers)


def _ids_by_message(out: Output) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for line in out.logs:
        if line["message"].startswith("probe "):
            seen.setdefault(line.get("correlation_id", "(none)"), []).append(line["message"])
    return seen


def test_overlapping_requests_each_log_their_own_id(server: Server):
    server.both_inside.reset()
    replies: dict[str, httpx.Response] = {}

    def send(name: str, headers: dict[str, str] | None) -> None:
        replies[name] = _get(f"{server.url}/api/test/overlap", headers)

    with captured() as out:
        threads = [
            threading.Thread(target=send, args=("a", {"X-Request-ID": "overlap-client-aaaa"})),
            threading.Thread(target=send, args=("b", None)),  # no id: the server makes one up
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert replies["a"].status_code == 200 and replies["b"].status_code == 200
    a_id, b_id = replies["a"].headers["x-request-id"], replies["b"].headers["x-request-id"]
    assert a_id == "overlap-client-aaaa" and len(b_id) == 36  # no gateway locally: a UUID
    assert _ids_by_message(out) == {
        a_id: ["probe started", "probe finished"],
        b_id: ["probe started", "probe finished"],
    }
    # Both requests' metrics were printed (both were recorded before either request ended).
    assert sum(len(document["ProbeRequests"]) for document in out.emf) == 2


def test_each_request_prints_its_metrics(server: Server):
    with captured() as out:
        reply = _get(f"{server.url}/api/test/metric")
    assert reply.status_code == 200
    [document] = out.emf
    assert document["ProbeRequests"] == [1.0]
    assert document["function_name"] == "local" and document["service"] == "describe-it"

"""The `make run` server: every function's routes on one app, with offline API docs."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from infra.local.functions import http_functions
from infra.local.run import build_app


@pytest.fixture(scope="module")
def client(stack):
    with TestClient(build_app()) as test_client:  # type: ignore[arg-type]
        yield test_client


def test_serves_every_function_route(client):
    paths = {route.path for module in http_functions().values() for route in module.router.routes}
    served = set(client.get("/openapi.json").json()["paths"])
    assert paths == served


def test_docs_page_works_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


@pytest.mark.usefixtures("clean")
def test_a_route_through_the_dev_server(client):
    reply = client.get("/api/health")
    assert reply.status_code == 200 and reply.json()["data"]["status"] == "ok"
    assert client.get("/api/nowhere").json()["code"] == "NOT_FOUND"

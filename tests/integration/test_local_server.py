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


def test_demo_images_are_served_to_the_browser(client):
    from describe_it.images.demo import load_demo_images

    beach = load_demo_images()[0]
    reply = client.get(f"/demo-images/{beach.file}")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "image/jpeg"
    assert reply.content == beach.data
    assert reply.headers["cross-origin-resource-policy"] == "cross-origin"  # shown by another origin's <img>
    assert client.get("/demo-images/manifest.json").status_code == 404  # the manifest's files only
    assert client.get("/demo-images/__init__.py").status_code == 404


@pytest.mark.usefixtures("clean")
def test_search_pick_describe_works_offline(client, settings_env):
    """The demo flow of `make run`: a search without a key, a picked image shown and made ready for the
    model, with no network and no fetch."""
    from describe_it.images.catalogue import get_image_catalogue

    settings_env(UNSPLASH_ACCESS_KEY=None)
    found = client.get("/api/images/search", params={"query": "barco"}).json()["data"]
    assert found["source"] == "demo"
    picked = found["images"][0]["urls"]["regular"]
    path = picked.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    resolved = get_image_catalogue().resolve_image(image_url=picked)
    assert resolved.media_type == "image/jpeg"
    assert resolved.s3_key.startswith("images/")

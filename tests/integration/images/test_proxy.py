"""POST /api/images/proxy through Mangum (spec §9.2): data URIs re-encoded, URLs through the hardened fetcher,
every documented error status."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from describe_it.images.fetcher import ImageFetcher
from tests.integration.images.https_server import ImageServer, Route
from tests.support.api import call
from tests.support.images import encode, noise, solid

pytestmark = pytest.mark.usefixtures("clean")


def data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def proxy(body: Any, **kwargs: Any) -> Any:
    return call("POST", "/api/images/proxy", body, **kwargs)


def decoded(reply: Any) -> Image.Image:
    header, _, payload = reply.data["dataUri"].partition(",")
    assert header == f"data:{reply.data['contentType']};base64"
    return Image.open(io.BytesIO(base64.b64decode(payload)))


@pytest.fixture
def via_test_host(make_fetcher: Callable[..., ImageFetcher]) -> Iterator[Callable[..., None]]:
    """Serve the route with a fetcher that may reach the loopback HTTPS host (and nothing else)."""
    from describe_it.images import proxy as proxy_module
    from infra.local.functions import load_function

    app = load_function("images_proxy").app

    def install(**options: Any) -> None:
        fetcher = make_fetcher(**options)
        app.dependency_overrides[proxy_module.get_image_proxy_service] = lambda: (
            proxy_module.ImageProxyService(lambda: fetcher)
        )

    yield install
    app.dependency_overrides.clear()


def test_a_data_uri_is_re_encoded_and_resized() -> None:
    png = solid("image/png", (1200, 600), "orange")
    reply = proxy({"imageUrl": data_uri("image/png", png), "maxWidth": 300, "quality": 70})

    assert reply.status == 200, reply
    data = reply.data
    assert (data["contentType"], data["width"], data["height"]) == ("image/jpeg", 300, 150)
    assert (data["originalWidth"], data["originalHeight"], data["originalSize"]) == (1200, 600, len(png))
    assert (data["resized"], data["quality"]) == (True, 70)
    assert data["size"] == len(base64.b64decode(data["dataUri"].split(",", 1)[1]))
    assert data["sizeFormatted"].endswith(("B", "KB"))
    with decoded(reply) as image:
        assert (image.format, image.size) == ("JPEG", (300, 150))
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-ratelimit-limit"] == "60"


def test_transparency_is_kept_as_png_unless_another_format_is_asked() -> None:
    rgba = solid("image/png", (80, 80), (0, 0, 255, 100))
    kept = proxy({"imageUrl": data_uri("image/png", rgba)})
    assert (kept.data["contentType"], kept.data["quality"]) == ("image/png", None)
    webp = proxy({"imageUrl": data_uri("image/png", rgba), "format": "webp"})
    assert webp.data["contentType"] == "image/webp"


def test_an_image_from_an_https_url(via_test_host: Callable[..., None], host: ImageServer) -> None:
    via_test_host()
    host.routes["/p.jpg"] = Route(
        headers={"Content-Type": "image/jpeg"}, body=solid("image/jpeg", (640, 480))
    )
    reply = proxy({"imageUrl": host.url("/p.jpg"), "maxHeight": 240})
    assert reply.status == 200, reply
    assert (reply.data["width"], reply.data["height"]) == (320, 240)


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("https://127.0.0.1/a.jpg", 403, "FORBIDDEN"),
        ("https://169.254.169.254/latest/meta-data/", 403, "FORBIDDEN"),
        ("https://[::ffff:10.0.0.1]/a.jpg", 403, "FORBIDDEN"),
        ("http://example.com/a.jpg", 400, "VALIDATION_ERROR"),
        ("https://example.com:8443/a.jpg", 400, "VALIDATION_ERROR"),
        ("https://localhost/a.jpg", 400, "VALIDATION_ERROR"),
        ("https://user:pass@example.com/a.jpg", 400, "VALIDATION_ERROR"),
    ],
)
def test_ssrf_probes_are_refused_before_any_connection(url: str, status: int, code: str) -> None:
    reply = proxy({"imageUrl": url})
    assert reply.status == status, reply
    assert reply.json["code"] == code
    assert reply.json["details"][0]["field"] == "imageUrl"
    assert "169.254" not in reply.json["error"]


def test_upstream_failures(via_test_host: Callable[..., None], host: ImageServer) -> None:
    via_test_host(total_timeout_s=0.5)
    host.routes["/500"] = Route(status=500)
    host.routes["/slow"] = Route(stall_before_headers=True)
    host.routes["/html"] = Route(headers={"Content-Type": "text/html"}, body=b"<html></html>")
    host.routes["/svg"] = Route(headers={"Content-Type": "image/svg+xml"}, body=b"<svg/>")
    big = Route(headers={"Content-Type": "image/jpeg"}, body=b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024))
    host.routes["/big"] = big

    expected = {"/500": 502, "/slow": 504, "/html": 415, "/svg": 415, "/big": 413}
    got = {path: proxy({"imageUrl": host.url(path)}).status for path in expected}
    assert got == expected


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"imageUrl": "data:image/jpeg;base64,not base64!"}, 400),
        ({"imageUrl": "data:image/svg+xml;base64,PHN2Zy8+"}, 400),
        ({"imageUrl": data_uri("image/png", solid("image/jpeg"))}, 415),  # the bytes are not what it says
        ({"imageUrl": data_uri("image/jpeg", b"\xff\xd8\xff" + b"broken" * 50)}, 415),
        ({"imageUrl": data_uri("image/jpeg", solid("image/jpeg")), "maxWidth": 10}, 400),
        ({"imageUrl": data_uri("image/jpeg", solid("image/jpeg")), "quality": 0}, 400),
        ({"imageUrl": data_uri("image/jpeg", solid("image/jpeg")), "format": "bmp"}, 400),
    ],
)
def test_bad_input(body: dict[str, Any], status: int) -> None:
    reply = proxy(body)
    assert reply.status == status, reply


def test_a_body_over_5_mb_is_413_before_anything_is_decoded() -> None:
    huge = {"imageUrl": "data:image/jpeg;base64," + "A" * (5 * 1024 * 1024)}
    reply = proxy(huge)
    assert reply.status == 413, reply
    assert reply.json["code"] == "PAYLOAD_TOO_LARGE"


def test_an_output_that_stays_too_large_is_413() -> None:
    # 1500×1500 of noise as PNG cannot fit a 4 MB data URI (PNG has no quality to lower).
    noisy = encode(noise((1500, 1500)), "image/jpeg", quality=90)
    assert len(noisy) < 3 * 1024 * 1024  # the request itself is within the limits
    reply = proxy({"imageUrl": data_uri("image/jpeg", noisy), "format": "png", "maxWidth": 2000})
    assert reply.status == 413, reply
    assert reply.json["error"] == "The image is too large to return, even at the lowest quality"


def test_not_json_is_415() -> None:
    reply = call("POST", "/api/images/proxy", raw_body="imageUrl=x", headers={"content-type": "text/plain"})
    assert reply.status == 415

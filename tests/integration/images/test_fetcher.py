"""The hardened fetcher against a real HTTPS host: pinning, SNI/Host, redirects, limits, types, timeouts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from describe_it.errors import (
    ApiError,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from describe_it.images.addresses import parse_ip
from describe_it.images.fetcher import ImageFetcher
from describe_it.images.formats import MAX_IMAGE_BYTES
from tests.integration.images.conftest import FakeResolver, Sockets
from tests.integration.images.https_server import ImageServer, Route
from tests.support.images import solid

JPEG = solid("image/jpeg")
MB = 1024 * 1024


def image_route(content_type: str = "image/jpeg", body: bytes = JPEG, **options: object) -> Route:
    return Route(headers={"Content-Type": content_type}, body=body, **options)  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Route:
    return Route(status=status, headers={"Location": location})


def refused(fetcher: ImageFetcher, url: str, error: type[ApiError], **options: float) -> ApiError:
    with pytest.raises(error) as caught:
        fetcher.fetch(url, **options)
    assert type(caught.value) is error
    return caught.value


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/gif"])
def test_fetches_each_image_type(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], content_type: str
) -> None:
    body = solid(content_type)
    host.routes["/photo?sig=secret"] = image_route(f"{content_type}; charset=binary", body)

    image = make_fetcher().fetch(host.url("/photo?sig=secret"))

    assert image.data == body
    assert image.content_type == content_type
    assert image.redirects == 0
    assert image.url == host.url("/photo?sig=secret")


def test_connection_is_pinned_to_the_validated_address_with_sni_and_host_of_the_name(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], sockets: Sockets
) -> None:
    host.routes["/a.jpg"] = image_route()
    # A second resolution would answer another address: it must never be asked for nor used.
    resolver = FakeResolver(["127.0.0.1"], ["127.0.0.2"])

    make_fetcher(resolver).fetch(host.url("/a.jpg"))

    assert resolver.calls == ["images.test"]
    assert sockets.connects == [("127.0.0.1", host.port)]
    # The socket layer only ever saw IP literals: nothing resolved the name behind our back.
    assert all(parse_ip(name) is not None for name in sockets.lookups)
    assert host.sni_names == ["images.test"]
    assert [(s.path, s.host) for s in host.served] == [("/a.jpg", f"images.test:{host.port}")]


def test_the_certificate_is_checked_against_the_name_not_the_address(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    host.routes["/a.jpg"] = image_route()
    # evil.test resolves to the server's address, but the server's certificate does not name it.
    error = refused(make_fetcher(), host.url("/a.jpg", host="evil.test"), UpstreamError)

    assert error.message == "The image host could not be reached"
    assert host.sni_names == ["evil.test"]
    assert host.served == []


def test_follows_up_to_three_redirects_resolving_and_checking_each_hop(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    host.routes["/r1"] = redirect(host.url("/r2", host="cdn.images.test"), 301)
    host.routes["/r2"] = redirect("/r3", 307)  # relative to the current hop
    host.routes["/r3"] = redirect("r4", 308)
    host.routes["/r4"] = image_route()
    resolver = FakeResolver()

    image = make_fetcher(resolver).fetch(host.url("/r1"))

    assert image.redirects == 3
    assert image.url == host.url("/r4", host="cdn.images.test")
    assert resolver.calls == ["images.test", "cdn.images.test", "cdn.images.test", "cdn.images.test"]
    assert host.sni_names == ["images.test", "cdn.images.test", "cdn.images.test", "cdn.images.test"]


def test_a_fourth_redirect_is_refused(host: ImageServer, make_fetcher: Callable[..., ImageFetcher]) -> None:
    for n in range(1, 5):
        host.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
    host.routes["/r5"] = image_route()

    error = refused(make_fetcher(), host.url("/r1"), UpstreamError)

    assert error.message == "The image host redirected more than 3 times"
    assert [s.path for s in host.served] == ["/r1", "/r2", "/r3", "/r4"]


def test_a_redirect_to_http_is_refused(host: ImageServer, make_fetcher: Callable[..., ImageFetcher]) -> None:
    host.routes["/r"] = redirect(f"http://images.test:{host.port}/a.jpg")

    error = refused(make_fetcher(), host.url("/r"), ValidationFailed)

    assert error.message == "Redirect refused: Only HTTPS URLs are allowed"
    assert [d.field for d in error.details] == ["imageUrl"]
    assert [s.path for s in host.served] == ["/r"]


def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], sockets: Sockets
) -> None:
    host.routes["/r"] = redirect(f"https://10.0.0.1:{host.port}/latest/meta-data/")

    error = refused(make_fetcher(), host.url("/r"), Forbidden)

    assert error.details[0].field == "imageUrl"
    assert sockets.connects == [("127.0.0.1", host.port)]


def test_a_redirect_to_a_name_that_now_resolves_privately_is_refused(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], sockets: Sockets
) -> None:
    """DNS rebinding between hops: the second hop's answer is checked again."""
    host.routes["/r"] = redirect("/a.jpg")
    host.routes["/a.jpg"] = image_route()
    resolver = FakeResolver(["127.0.0.1"], ["127.0.0.2"])

    refused(make_fetcher(resolver), host.url("/r"), Forbidden)

    assert resolver.calls == ["images.test", "images.test"]
    assert sockets.connects == [("127.0.0.1", host.port)]
    assert [s.path for s in host.served] == ["/r"]


def test_a_redirect_without_location_is_an_upstream_error(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    host.routes["/r"] = Route(status=302)
    refused(make_fetcher(), host.url("/r"), UpstreamError)


def test_declared_length_above_5_mb_is_refused_before_reading(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    # Declares 5 MB + 1 and then stalls: only the header can have refused it.
    host.routes["/big"] = image_route(
        body=b"\xff\xd8\xff" + b"\0" * (MAX_IMAGE_BYTES - 2), stall_after_bytes=0
    )

    error = refused(make_fetcher(), host.url("/big"), PayloadTooLarge)

    assert error.message == "The image is larger than 5 MB"


def test_a_stream_without_length_is_aborted_at_5_mb(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    # 50 MB on offer with no Content-Length: only counting the stream can stop it.
    body = b"\xff\xd8\xff" + b"\0" * (MB - 3)
    host.routes["/stream"] = image_route(body=body, repeat_body=50, content_length=False)

    error = refused(make_fetcher(), host.url("/stream"), PayloadTooLarge)

    assert error.message == "The image is larger than 5 MB"
    assert host.done.wait(30)
    assert host.bytes_sent["/stream"] < 50 * MB  # the fetcher hung up; the server never got to finish


@pytest.mark.parametrize("content_length", [True, False])
def test_exactly_5_mb_is_accepted(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], content_length: bool
) -> None:
    body = b"\xff\xd8\xff" + b"\0" * (MAX_IMAGE_BYTES - 3)
    host.routes["/five"] = image_route(body=body, content_length=content_length)

    assert make_fetcher().fetch(host.url("/five")).data == body


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ({"Content-Type": "text/html"}, b"<html></html>", "URL does not point to an image"),
        ({}, JPEG, "URL does not point to an image"),
        (
            {"Content-Type": "image/svg+xml"},
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "SVG images are not supported",
        ),
        ({"Content-Type": "image/png"}, JPEG, "The image's content does not match its declared type"),
        ({"Content-Type": "image/jpeg"}, b"<html>an error page</html>", "URL does not point to an image"),
        ({"Content-Type": "image/gif"}, b"GIF8", "URL does not point to an image"),
    ],
)
def test_type_and_magic_bytes_must_agree(
    host: ImageServer,
    make_fetcher: Callable[..., ImageFetcher],
    headers: dict[str, str],
    body: bytes,
    message: str,
) -> None:
    host.routes["/x"] = Route(headers=headers, body=body)

    error = refused(make_fetcher(), host.url("/x"), UnsupportedMediaType)

    assert error.message == message


def test_a_compressed_body_is_refused(host: ImageServer, make_fetcher: Callable[..., ImageFetcher]) -> None:
    host.routes["/gz"] = Route(headers={"Content-Type": "image/jpeg", "Content-Encoding": "gzip"}, body=JPEG)

    refused(make_fetcher(), host.url("/gz"), UpstreamError)


@pytest.mark.parametrize("status", [404, 500, 403, 204])
def test_upstream_status_is_a_502(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], status: int
) -> None:
    host.routes["/x"] = Route(status=status, headers={"Content-Type": "image/jpeg"}, body=JPEG)

    error = refused(make_fetcher(), host.url("/x"), UpstreamError)

    assert error.message == f"The image host answered with status {status}"


@pytest.mark.parametrize("stall", ["before_headers", "mid_body"])
def test_a_stalling_host_is_a_504_within_the_callers_budget(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher], stall: str
) -> None:
    route = image_route(stall_before_headers=stall == "before_headers", stall_after_bytes=100)
    host.routes["/slow"] = route

    # The server never answers (it waits for the test to end), so only the deadline can end this.
    error = refused(make_fetcher(), host.url("/slow"), UpstreamTimeout, timeout_s=0.3)

    assert error.message == "The image host did not answer in time"


def test_the_total_budget_caps_the_callers(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    host.routes["/slow"] = image_route(stall_before_headers=True)

    refused(make_fetcher(total_timeout_s=0.3), host.url("/slow"), UpstreamTimeout, timeout_s=60)


def test_the_allow_list_narrows_hosts(host: ImageServer, make_fetcher: Callable[..., ImageFetcher]) -> None:
    host.routes["/r"] = redirect(host.url("/a.jpg", host="cdn.images.test"))
    host.routes["/a.jpg"] = image_route()
    only_cdn = make_fetcher(allowed_hosts=["*.images.test"])

    assert only_cdn.fetch(host.url("/a.jpg", host="cdn.images.test")).data == JPEG
    error = refused(only_cdn, host.url("/a.jpg"), ValidationFailed)
    assert error.message == "Images from this host are not allowed"
    # A redirect must stay on the list too.
    exact = make_fetcher(allowed_hosts=["images.test"])
    refused(exact, host.url("/r"), ValidationFailed)


def test_concurrent_fetches_share_one_fetcher_safely(
    host: ImageServer, make_fetcher: Callable[..., ImageFetcher]
) -> None:
    bodies = {f"/{n}.png": solid("image/png", (8 + n, 8), "blue") for n in range(8)}
    for path, body in bodies.items():
        host.routes[path] = image_route("image/png", body)
    fetcher = make_fetcher()
    start = threading.Barrier(len(bodies))

    def fetch(path: str) -> bytes:
        start.wait()
        return fetcher.fetch(host.url(path)).data

    with ThreadPoolExecutor(len(bodies)) as pool:
        results = dict(zip(bodies, pool.map(fetch, bodies), strict=True))

    assert results == bodies
    assert sorted(s.path for s in host.served) == sorted(bodies)

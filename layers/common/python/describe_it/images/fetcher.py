"""The one hardened fetcher for every outbound image fetch (spec §9.3).

Each hop (the first URL and at most three redirects) is checked in the same order: URL syntax
(https, port 443, no credentials, a plain host, the optional allow-list) → one resolution → every
address public → a connection pinned to those addresses (``transport.py``) → status, type, size and
magic bytes. Nothing is connected to before the checks pass. Errors are the API's own (spec §9.2):
400 URL, 403 blocked address, 413 too large, 415 not an image, 502 upstream, 504 timeout.

The URL is never logged (its query may carry a signature or a token), nor is any response body.
"""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from describe_it.errors import (
    Detail,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from describe_it.images.addresses import AddressClass, AddressPolicy, IPAddress, default_policy, parse_ip
from describe_it.images.formats import MAX_IMAGE_BYTES, ImageType, as_image_type, is_svg, sniff
from describe_it.images.urls import (
    FIELD,
    HostAllowList,
    ImageUrl,
    PortPolicy,
    https_port_only,
    parse_image_url,
)
from describe_it.observability import logger

if TYPE_CHECKING:
    import httpx

    from describe_it.images.transport import Deadline
    from describe_it.settings import Settings

# Resolves a host name to every A and AAAA address within ``timeout`` seconds.
Resolver = Callable[[str, float], Sequence[IPAddress]]

CONNECT_TIMEOUT_S = 3.0
TOTAL_TIMEOUT_S = 8.0
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_MAGIC_BYTES = 12  # enough for all four signatures (WebP's is the longest)
_HEADERS = {
    "Accept": "image/jpeg, image/png, image/webp, image/gif",
    # No compression: a compressed body could expand far past the size cap while being decoded.
    "Accept-Encoding": "identity",
    "User-Agent": "DescribeIt-ImageFetcher/3.0",
}


@dataclass(frozen=True)
class FetchedImage:
    data: bytes
    content_type: ImageType  # the declared type, confirmed by the magic bytes
    url: str  # the final URL after redirects; may carry a query string, so never log it
    redirects: int


class ImageFetcher:
    """Fetch one image by URL. Every dependency is injectable; the defaults are production's."""

    def __init__(
        self,
        *,
        resolver: Resolver | None = None,
        address_policy: AddressPolicy = default_policy,
        port_policy: PortPolicy = https_port_only,
        tls_context: ssl.SSLContext | None = None,
        allowed_hosts: Sequence[str] = (),
        clock: Callable[[], float] = time.monotonic,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        total_timeout_s: float = TOTAL_TIMEOUT_S,
        max_bytes: int = MAX_IMAGE_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        if tls_context is not None and not (
            tls_context.verify_mode == ssl.CERT_REQUIRED and tls_context.check_hostname
        ):
            raise ValueError("the image fetcher's TLS context must verify certificates and host names")
        self._resolver = resolver or system_resolver
        self._address_policy = address_policy
        self._port_policy = port_policy
        self._tls_context = tls_context
        self._allowed_hosts = HostAllowList(allowed_hosts)
        self._clock = clock
        self._connect_timeout_s = connect_timeout_s
        self._total_timeout_s = total_timeout_s
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects

    def check_url(self, url: str) -> ImageUrl:
        """The syntactic checks alone (400), e.g. to build a cache key before deciding to fetch."""
        return parse_image_url(url, port_policy=self._port_policy, allowed_hosts=self._allowed_hosts)

    def fetch(self, url: str, *, timeout_s: float | None = None) -> FetchedImage:
        """GET ``url`` within ``timeout_s`` (the caller's remaining budget; capped at the 8 s total)."""
        from describe_it.images.transport import Deadline

        budget = self._total_timeout_s if timeout_s is None else min(timeout_s, self._total_timeout_s)
        deadline = Deadline(self._clock() + budget, self._clock)
        target = self.check_url(url)
        for hop in range(self._max_redirects + 1):
            addresses = self._addresses(target, deadline, hop)
            outcome = self._get(target, addresses, deadline, hop)
            if isinstance(outcome, FetchedImage):
                logger.info(
                    "image fetched",
                    extra={
                        "redirects": hop,
                        "bytes": len(outcome.data),
                        "content_type": outcome.content_type,
                    },
                )
                return outcome
            if hop == self._max_redirects:
                break
            target = parse_image_url(
                outcome, port_policy=self._port_policy, allowed_hosts=self._allowed_hosts, redirect=True
            )
        logger.warning("image fetch refused", extra={"reason": "too_many_redirects"})
        raise UpstreamError(f"The image host redirected more than {self._max_redirects} times")

    def _addresses(self, target: ImageUrl, deadline: Deadline, hop: int) -> list[IPAddress]:
        if target.address is not None:
            addresses: list[IPAddress] = [target.address]
        else:
            left = deadline.remaining()
            if left <= 0:
                raise UpstreamTimeout("The image host did not answer in time")
            addresses = list(self._resolver(target.host, left))
            if not addresses:
                raise _bad_url("The image host could not be found", "not_found")
        for address in addresses:  # every record: one private answer spoils the whole name
            verdict = self._address_policy(address)
            if verdict is not AddressClass.PUBLIC:
                logger.warning(
                    "image fetch refused", extra={"reason": f"address_{verdict.value}", "hop": hop}
                )
                message = "The image URL points to an address that is not allowed"
                raise Forbidden(message, details=[Detail(FIELD, message, "blocked_address")])
        return addresses

    def _get(
        self, target: ImageUrl, addresses: list[IPAddress], deadline: Deadline, hop: int
    ) -> FetchedImage | str:
        """One pinned request: the image, or the absolute URL of a redirect to follow."""
        import httpx

        from describe_it.images.transport import PinnedBackend, PinnedTransport

        backend = PinnedBackend(target.host, target.port, addresses, deadline)
        transport = PinnedTransport(backend, self._tls_context or default_tls_context())
        left = max(deadline.remaining(), 0.001)
        timeout = httpx.Timeout(left, connect=min(self._connect_timeout_s, left))
        try:
            with (
                httpx.Client(
                    transport=transport, trust_env=False, follow_redirects=False, timeout=timeout
                ) as client,
                client.stream("GET", target.url, headers=_HEADERS) as response,
            ):
                if response.status_code in _REDIRECTS:
                    return _redirect_target(target, response)
                if response.status_code != 200:
                    logger.warning("image host error", extra={"status": response.status_code})
                    raise UpstreamError(f"The image host answered with status {response.status_code}")
                content_type = self._declared_type(response)
                data = self._read_body(response, content_type, deadline)
                return FetchedImage(data, content_type, str(target.url), hop)
        except httpx.TimeoutException:
            logger.warning("image fetch timed out")
            raise UpstreamTimeout("The image host did not answer in time") from None
        except httpx.HTTPError as exc:  # refused, reset, TLS or certificate failure, broken HTTP
            logger.warning("image host unreachable", extra={"error": type(exc).__name__})
            raise UpstreamError("The image host could not be reached") from None

    def _declared_type(self, response: httpx.Response) -> ImageType:
        media_type = response.headers.get("content-type", "")
        if is_svg(media_type):
            raise UnsupportedMediaType("SVG images are not supported")
        declared = as_image_type(media_type)
        if declared is None:
            raise UnsupportedMediaType("URL does not point to an image")
        if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
            raise UpstreamError("The image host sent a compressed body")
        length = response.headers.get("content-length")
        if length is not None and (not length.strip().isdigit()):
            raise UpstreamError("The image host sent an invalid Content-Length")
        if length is not None and int(length) > self._max_bytes:
            raise _too_large(self._max_bytes)
        return declared

    def _read_body(self, response: httpx.Response, declared: ImageType, deadline: Deadline) -> bytes:
        body = bytearray()
        checked = False
        for chunk in response.iter_raw(_CHUNK):
            body += chunk
            if len(body) > self._max_bytes:
                raise _too_large(self._max_bytes)  # leaving the block closes the connection
            if not checked and len(body) >= _MAGIC_BYTES:
                _check_magic(bytes(body), declared)  # refuse a non-image before downloading all of it
                checked = True
            if deadline.remaining() <= 0:
                raise UpstreamTimeout("The image host did not answer in time")
        if not checked:
            _check_magic(bytes(body), declared)
        return bytes(body)


def _redirect_target(current: ImageUrl, response: httpx.Response) -> str:
    location = response.headers.get("location")
    if not location:
        raise UpstreamError("The image host sent a redirect without a location")
    try:
        return str(current.url.join(location))
    except ValueError:  # httpx.InvalidURL is a ValueError
        raise UpstreamError("The image host sent an invalid redirect") from None


def _check_magic(data: bytes, declared: ImageType) -> None:
    actual = sniff(data)
    if actual is None:
        raise UnsupportedMediaType("URL does not point to an image")
    if actual != declared:
        raise UnsupportedMediaType("The image's content does not match its declared type")


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The image is larger than {limit // (1024 * 1024)} MB")


def _bad_url(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(FIELD, message, code)])


# --- production defaults ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def default_tls_context() -> ssl.SSLContext:
    """Certificates verified against the Mozilla bundle (certifi), host names checked."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


_resolver_pool: concurrent.futures.ThreadPoolExecutor | None = None
_resolver_pool_lock = threading.Lock()


def system_resolver(host: str, timeout: float) -> list[IPAddress]:
    """Every A and AAAA record of ``host``, within ``timeout``.

    ``getaddrinfo`` has no timeout of its own (glibc may wait 10 s or more), so it runs on a small
    thread pool and the caller stops waiting at the deadline.
    """
    global _resolver_pool
    with _resolver_pool_lock:
        if _resolver_pool is None:
            _resolver_pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="resolve")
    future = _resolver_pool.submit(socket.getaddrinfo, host, 443, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise UpstreamTimeout("The image host's name did not resolve in time") from None
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise _bad_url("The image host could not be found", "not_found") from None
        logger.warning("image host name resolution failed", extra={"error": type(exc).__name__})
        raise UpstreamError("The image host's name could not be resolved") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = parse_ip(str(sockaddr[0]))
        if address is not None and address not in addresses:
            addresses.append(address)
    return addresses


def fetcher_from_settings(settings: Settings) -> ImageFetcher:
    """The production fetcher; build it lazily (a cached FastAPI dependency), never at import time."""
    return ImageFetcher(allowed_hosts=settings.image_fetch_allowed_hosts)

"""The image tests: the fetcher against a real HTTPS server on loopback, the search route against a fake
Unsplash, with test doubles only at the true edges.

The resolver is a fake (DNS is an external edge); the address policy allows exactly the server's
address, and refuses every other one — public addresses included, so nothing can leave the machine;
the port policy allows exactly the server's port; the TLS context trusts only the server's CA.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from describe_it.images.addresses import AddressClass, IPAddress, classify
from describe_it.images.fetcher import ImageFetcher
from tests.integration.images import https_server
from tests.integration.images.https_server import ImageServer
from tests.integration.settings.conftest import captured_logs  # noqa: F401  (a shared fixture)

SERVER_ADDRESS = ipaddress.ip_address("127.0.0.1")


class FakeResolver:
    """Answers name lookups from a script: the n-th call gets the n-th answer (the last one repeats)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = [[ipaddress.ip_address(a) for a in answer] for answer in answers or (["127.0.0.1"],)]
        self.calls: list[str] = []

    def __call__(self, host: str, timeout: float) -> list[IPAddress]:
        assert timeout > 0
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def only_the_server(address: IPAddress) -> AddressClass:
    if address == SERVER_ADDRESS:
        return AddressClass.PUBLIC
    verdict = classify(address)
    return AddressClass.RESERVED if verdict is AddressClass.PUBLIC else verdict


@dataclass
class Sockets:
    """Every outbound connect and every name the socket module was asked to resolve."""

    connects: list[Any] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ImageServer]:
    server = https_server.start(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Sockets:
    seen = Sockets()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        seen.connects.append(address[:2])
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.lookups.append(host.decode() if isinstance(host, bytes) else str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


@pytest.fixture
def make_fetcher(host: ImageServer) -> Callable[..., ImageFetcher]:
    def make(resolver: FakeResolver | None = None, **options: Any) -> ImageFetcher:
        return ImageFetcher(
            resolver=resolver or FakeResolver(),
            address_policy=only_the_server,
            port_policy=lambda port: port == host.port,
            tls_context=host.client_context(),
            **options,
        )

    return make


# --- the image routes: a fake Unsplash, service wiring with a test clock ---------------------------------


@pytest.fixture
def fake_unsplash(settings_env: Callable[..., None]) -> Iterator[Any]:
    """The fake Unsplash API (tests/support/fake_unsplash.py), the server key and base URL pointing at it."""
    from describe_it.runtime.circuit import get_circuit_breaker
    from tests.support.fake_unsplash import FakeUnsplash
    from tests.support.log_scan import register_secret

    get_circuit_breaker.cache_clear()
    with FakeUnsplash() as fake:
        register_secret("unsplash server key", fake.api_key)
        settings_env(UNSPLASH_BASE_URL=fake.base_url, UNSPLASH_ACCESS_KEY=fake.api_key)
        yield fake
    get_circuit_breaker.cache_clear()


class Clock:
    """Wall-clock seconds that a test moves by hand (the cache's freshness and the quota's pause)."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def search_service(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``search_service(clock=…, timeout_s=…, settings=…)``: the search route served by a service built
    like production's, but with its own cache, quota tracker and breaker on ``clock``."""
    from describe_it.images import search
    from infra.local.functions import load_function

    app = load_function("images_search").app

    def install(
        clock: Clock | None = None, timeout_s: float | None = None, settings: Any = None
    ) -> search.ImageSearchService:
        from describe_it.apikeys.service import resolve_user_key
        from describe_it.images.catalogue import get_image_catalogue
        from describe_it.images.quota import QuotaTracker
        from describe_it.images.unsplash import SEARCH_TIMEOUT_S, UnsplashClient
        from describe_it.runtime.cache import TwoTierCache
        from describe_it.runtime.circuit import CircuitBreaker
        from describe_it.settings import get_settings

        tick = clock or Clock()
        config = settings or get_settings()
        service = search.ImageSearchService(
            config,
            cache=TwoTierCache(clock=tick),
            unsplash=UnsplashClient(config.unsplash_base_url, timeout_s=timeout_s or SEARCH_TIMEOUT_S),
            quota=QuotaTracker(clock=tick),
            breaker=CircuitBreaker("unsplash", clock=tick),
            catalogue=get_image_catalogue(),
            user_key=lambda user_id: resolve_user_key(user_id, "unsplash"),
        )
        app.dependency_overrides[search.get_image_search_service] = lambda: service
        return service

    yield install
    app.dependency_overrides.clear()

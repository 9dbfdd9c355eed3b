"""The fetcher against a real HTTPS server on loopback, with test doubles only at the true edges.

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

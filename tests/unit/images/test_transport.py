"""The pinned backend and the deadline clamp, over a fake inner backend and a clock the test moves."""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any

import httpcore
import pytest

from describe_it.images.transport import Deadline, DeadlineStream, PinnedBackend


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeStream(httpcore.NetworkStream):
    def __init__(self, log: list[tuple[str, Any]]) -> None:
        self.log = log

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.log.append(("read", timeout))
        return b"x"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.log.append(("write", timeout))

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self.log.append(("start_tls", (server_hostname, timeout)))
        return FakeStream(self.log)


class FakeBackend(httpcore.NetworkBackend):
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.log: list[tuple[str, Any]] = []
        self.refuse = refuse or set()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, *_args: Any) -> FakeStream:
        self.log.append(("connect", (host, port, timeout)))
        if host in self.refuse:
            raise httpcore.ConnectError("refused")
        return FakeStream(self.log)


ADDRESSES = [ipaddress.ip_address("2001:db8::7"), ipaddress.ip_address("192.0.2.7")]


def backend(clock: Clock, inner: FakeBackend, budget: float = 8.0) -> PinnedBackend:
    return PinnedBackend("images.test", 443, ADDRESSES, Deadline(clock() + budget, clock), inner)


def test_connects_to_the_pinned_addresses_never_to_the_name() -> None:
    clock, inner = Clock(), FakeBackend()
    backend(clock, inner).connect_tcp("images.test", 443, timeout=3.0)
    assert inner.log == [("connect", ("2001:db8::7", 443, 3.0))]


def test_tries_the_next_validated_address_when_one_refuses() -> None:
    clock, inner = Clock(), FakeBackend(refuse={"2001:db8::7"})
    backend(clock, inner).connect_tcp("images.test", 443, timeout=3.0)
    assert [entry[1][0] for entry in inner.log] == ["2001:db8::7", "192.0.2.7"]


def test_all_addresses_refusing_is_a_connect_error() -> None:
    clock, inner = Clock(), FakeBackend(refuse={"2001:db8::7", "192.0.2.7"})
    with pytest.raises(httpcore.ConnectError):
        backend(clock, inner).connect_tcp("images.test", 443)


@pytest.mark.parametrize(("host", "port"), [("other.test", 443), ("images.test", 8443), ("192.0.2.7", 443)])
def test_refuses_any_other_origin(host: str, port: int) -> None:
    clock, inner = Clock(), FakeBackend()
    with pytest.raises(httpcore.ConnectError):
        backend(clock, inner).connect_tcp(host, port)
    assert inner.log == []


def test_every_socket_operation_is_cut_to_what_is_left_of_the_deadline() -> None:
    clock, inner = Clock(), FakeBackend()
    stream = backend(clock, inner, budget=8.0).connect_tcp("images.test", 443, timeout=3.0)
    clock.now += 6.0  # 2 s left: a 3 s handshake timeout becomes 2 s
    tls = stream.start_tls(ssl.create_default_context(), "images.test", timeout=3.0)
    clock.now += 1.5  # 0.5 s left: an 8 s read timeout becomes 0.5 s
    tls.read(1024, timeout=8.0)
    tls.write(b"GET", timeout=None)
    assert inner.log[1:] == [("start_tls", ("images.test", 2.0)), ("read", 0.5), ("write", 0.5)]
    assert isinstance(tls, DeadlineStream)


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        ("read", httpcore.ReadTimeout),
        ("write", httpcore.WriteTimeout),
        ("start_tls", httpcore.ConnectTimeout),
    ],
)
def test_nothing_waits_once_the_deadline_has_passed(operation: str, error: type[Exception]) -> None:
    clock, inner = Clock(), FakeBackend()
    stream = backend(clock, inner, budget=1.0).connect_tcp("images.test", 443)
    clock.now += 1.0
    calls = {
        "read": lambda: stream.read(10, 5.0),
        "write": lambda: stream.write(b"x", 5.0),
        "start_tls": lambda: stream.start_tls(ssl.create_default_context(), "images.test", 5.0),
    }
    with pytest.raises(error):
        calls[operation]()
    assert len(inner.log) == 1  # only the connect reached the inner backend
    with pytest.raises(httpcore.ConnectTimeout):
        backend(clock, inner, budget=0.0).connect_tcp("images.test", 443)

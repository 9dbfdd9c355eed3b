"""The socket layer of the image fetcher: connections pinned to validated addresses, under one deadline.

httpx keeps the URL's host name, so the ``Host`` header, the TLS SNI and the certificate check all use
the name; only the TCP connect is redirected, by a network backend, to the addresses that were
resolved and validated — never to a second resolution (DNS rebinding). The same backend clamps every
socket operation (connect, TLS handshake, each read and write) to the fetch's remaining time, so the
total bound holds even against a server that trickles bytes. Imported only when a fetch happens.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Callable, Iterable, Sequence

import httpcore
import httpx

from describe_it.images.addresses import IPAddress


class Deadline:
    """One absolute point in time on ``clock``; every network wait is cut to what is left of it."""

    def __init__(self, at: float, clock: Callable[[], float]) -> None:
        self.at = at
        self._clock = clock

    def remaining(self) -> float:
        return self.at - self._clock()

    def clamp(self, timeout: float | None, expired: type[httpcore.TimeoutException]) -> float:
        left = self.remaining()
        if left <= 0:
            raise expired("the fetch deadline has passed")
        return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects the one validated origin (host, port) to its validated addresses, nothing else."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: Sequence[IPAddress],
        deadline: Deadline,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        if not addresses:
            raise ValueError("a pinned backend needs at least one address")
        self._host, self._port, self._addresses = host, port, tuple(addresses)
        self._deadline = deadline
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if (host.lower(), port) != (self._host, self._port):
            raise httpcore.ConnectError("refusing a connection to an origin that was not validated")
        failure: httpcore.ConnectError | None = None
        for address in self._addresses:  # in resolver order, like socket.create_connection
            budget = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._inner.connect_tcp(str(address), port, budget, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return DeadlineStream(stream, self._deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by the image fetcher")

    def sleep(self, seconds: float) -> None:
        raise RuntimeError("the image fetcher never retries inside httpcore")


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, exception mapping, streaming) over a pinned backend."""

    def __init__(self, backend: PinnedBackend, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False, retries=0)
        # httpx 0.28 takes no network backend (encode/httpx#3749 proposes one), so the pool it just
        # built is replaced by the same kind of pool over ours. The pinning tests fail if this stops
        # taking effect.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            max_keepalive_connections=0,
            retries=0,
            network_backend=backend,
        )

"""A real HTTPS image host on 127.0.0.1 for the fetcher tests: its own CA, made here with ``cryptography``.

Each path answers as its ``Route`` says. Stalls wait on an event that ``stop()`` sets (never a sleep),
so a stalled answer ends when the test does. The server records what the fetcher sent: the TLS SNI
name, the ``Host`` header and the path of every request, and how many body bytes it managed to send.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NAMES = ("images.test", "cdn.images.test")  # the names the server's certificate is valid for


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    stall_before_headers: bool = False
    stall_after_bytes: int | None = None  # send this many body bytes, then stall
    repeat_body: int = 1  # send ``body`` this many times (a large stream without holding it in memory)


@dataclass
class Served:
    path: str
    host: str | None
    sni: str | None


@dataclass
class ImageServer:
    server: ThreadingHTTPServer
    ca_pem: bytes
    routes: dict[str, Route] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)
    sni_names: list[str | None] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)  # set after each finished answer

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = NAMES[0]) -> str:
        return f"https://{host}:{self.port}{path}"

    def client_context(self) -> ssl.SSLContext:
        """What the fetcher is given: trusts this server's CA only, verifies names."""
        return ssl.create_default_context(cadata=self.ca_pem.decode())

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _certificates() -> tuple[bytes, bytes, bytes]:
    """(CA certificate, server certificate, server key) as PEM."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Describe It test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAMES[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in NAMES]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


def start(tmp_path: Any) -> ImageServer:
    ca_pem, cert_pem, key_pem = _certificates()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    host: ImageServer

    def remember_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        host.sni_names.append(name)

    tls.sni_callback = remember_sni  # type: ignore[assignment]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:
            sni = host.sni_names[-1] if host.sni_names else None
            host.served.append(Served(self.path, self.headers.get("Host"), sni))
            route = host.routes.get(self.path, Route(status=404, body=b"not found"))
            try:
                self._answer(route)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass  # the fetcher hung up (size cap, timeout): expected
            finally:
                host.done.set()

        def _answer(self, route: Route) -> None:
            if route.stall_before_headers:
                host.release.wait()
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.content_length:
                self.send_header("Content-Length", str(len(route.body) * route.repeat_body))
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            for _ in range(route.repeat_body):
                chunk = route.body
                if route.stall_after_bytes is not None:
                    chunk = chunk[: route.stall_after_bytes]
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
                host.bytes_sent[self.path] = sent
                if route.stall_after_bytes is not None:
                    host.release.wait()
                    return

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def finish_request(self, request: Any, client_address: Any) -> None:
            # The TLS handshake runs in the request's own thread, so a slow client stalls nobody else.
            try:
                conn = tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # e.g. the fetcher refused our certificate
            try:
                Handler(conn, client_address, self)
            finally:
                conn.close()

    server = Server(("127.0.0.1", 0), Handler)
    host = ImageServer(server, ca_pem)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return host

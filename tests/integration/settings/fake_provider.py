"""A tiny stand-in for the Anthropic and Unsplash APIs on 127.0.0.1, answering the two calls a key
check makes the way the providers do: 200 for the one key it knows, 401 for any other."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ANTHROPIC_KEY = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0" * 2 + "-known"
UNSPLASH_KEY = "unsplashAccessKey_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt"


@dataclass
class FakeProvider:
    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "normal"  # "normal" | "error" (HTTP 500) | "slow" (answers after `delay_s`)
    delay_s: float = 2.0

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> FakeProvider:
    fake: FakeProvider

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            fake.requests.append(
                {"path": url.path, "query": parse_qs(url.query), "headers": dict(self.headers)}
            )
            if fake.mode == "slow":
                time.sleep(fake.delay_s)
            if fake.mode == "error":
                self._send(500, {"error": "internal"})
            elif url.path == "/v1/models":
                self._anthropic()
            elif url.path == "/photos":
                self._unsplash()
            else:
                self._send(404, {"error": "not found"})

        def _anthropic(self) -> None:
            if self.headers.get("x-api-key") == ANTHROPIC_KEY and self.headers.get("anthropic-version"):
                headers = {
                    "anthropic-ratelimit-requests-limit": "50",
                    "anthropic-ratelimit-requests-remaining": "49",
                }
                self._send(
                    200, {"data": [{"id": "claude-sonnet-4-5", "type": "model"}], "has_more": True}, headers
                )
            else:
                error = {
                    "type": "error",
                    "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                }
                self._send(401, error)

        def _unsplash(self) -> None:
            if self.headers.get("authorization") == f"Client-ID {UNSPLASH_KEY}":
                self._send(200, [{"id": "abc"}], {"X-Ratelimit-Limit": "50", "X-Ratelimit-Remaining": "48"})
            else:
                self._send(401, {"errors": ["OAuth error: The access token is invalid"]})

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeProvider(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake

"""A fake Unsplash API on 127.0.0.1 for tests: photo search and download tracking, answered the way Unsplash
answers them.

``GET /search/photos`` needs ``Authorization: Client-ID <key>`` with a key it knows (else 401, as
Unsplash), and a ``query``; it answers pages of deterministic photos (the same query always gives the
same photos, ids and URLs), with ``X-Ratelimit-Limit``/``X-Ratelimit-Remaining`` counting down from
``quota`` (at 0: 403 "Rate Limit Exceeded", as Unsplash). ``GET /photos/<id>/download`` answers
``{"url": …}``. What it answers next can be scripted (``fake.enqueue(Reply.server_error(), …)``, taken in
order of arrival, or ``fake.default``): ``Reply.invalid_key()`` 401, ``Reply.server_error()`` 500,
``Reply.hanging()`` (answers only when the fake stops: past any client timeout), ``Reply.quota_exhausted()``,
``Reply.garbage()`` (200 with a body that is not Unsplash's). Every request is recorded (``fake.requests``)
with its path, parsed query and lower-case headers, so a test can assert that the key went in the header
and never in the query.

Loopback only; it never opens a connection itself; pytest is not needed to use it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_KEY = "fakeUnsplashAccessKey_" + "Q1w2E3r4T5y6U7i8O9p0"
PHOTOS_PER_QUERY = 40
IMAGE_HOST = "images.unsplash.test"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # None: the regular answer for the request
    hang: bool = False
    remaining: int | None = None  # override of X-Ratelimit-Remaining

    @classmethod
    def invalid_key(cls) -> Reply:
        return cls(401, {"errors": ["OAuth error: The access token is invalid"]})

    @classmethod
    def server_error(cls) -> Reply:
        return cls(500, {"errors": ["Something went wrong"]})

    @classmethod
    def quota_exhausted(cls) -> Reply:
        return cls(403, "Rate Limit Exceeded", remaining=0)

    @classmethod
    def hanging(cls) -> Reply:
        return cls(hang=True)

    @classmethod
    def garbage(cls) -> Reply:
        return cls(200, {"unexpected": True})


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    raw_target: str  # the request line's target, query string included, exactly as sent


def photo_id(query: str, index: int) -> str:
    return hashlib.sha256(f"{query}#{index}".encode()).hexdigest()[:11]


def photo(query: str, index: int) -> dict[str, Any]:
    """The ``index``-th photo for ``query``: the shape of an Unsplash search result."""
    pid = photo_id(query, index)
    base = f"https://{IMAGE_HOST}/photo-{pid}"
    return {
        "id": pid,
        "slug": f"{query}-{index}-{pid}",
        "width": 4000 + index,
        "height": 3000,
        "color": "#a0b0c0",
        "blur_hash": "LKO2?U%2Tw=w]~RBVZRi};RPxuwH",
        "description": f"Photo {index} of {query}",
        "alt_description": f"a picture of {query} number {index}",
        "urls": {
            "raw": f"{base}?ixid=fake&ixlib=rb-4.0.3",
            "full": f"{base}?ixid=fake&ixlib=rb-4.0.3&q=85&fm=jpg",
            "regular": f"{base}?ixid=fake&ixlib=rb-4.0.3&w=1080&q=80&fm=jpg",
            "small": f"{base}?ixid=fake&ixlib=rb-4.0.3&w=400&q=80&fm=jpg",
            "thumb": f"{base}?ixid=fake&ixlib=rb-4.0.3&w=200&q=80&fm=jpg",
        },
        "links": {
            "self": f"https://api.unsplash.test/photos/{pid}",
            "html": f"https://unsplash.test/photos/{pid}",
            "download": f"https://unsplash.test/photos/{pid}/download",
            "download_location": f"https://api.unsplash.test/photos/{pid}/download?ixid=fake",
        },
        "user": {
            "id": f"user-{index}",
            "username": f"photographer{index}",
            "name": f"Photographer {index}",
            "links": {"html": f"https://unsplash.test/@photographer{index}"},
        },
    }


class FakeUnsplash:
    """``with FakeUnsplash() as fake:`` starts and stops it."""

    def __init__(self, api_keys: set[str] | None = None, *, quota: int = 50) -> None:
        self.api_keys = api_keys if api_keys is not None else {DEFAULT_KEY}
        self.quota = quota
        self.remaining = quota
        self.default: Reply | None = None
        self._queue: list[Reply] = []
        self._requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --

    def start(self) -> FakeUnsplash:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-unsplash", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeUnsplash:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_key(self) -> str:
        return DEFAULT_KEY if DEFAULT_KEY in self.api_keys else next(iter(self.api_keys))

    # -- configuration and records --

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def searches(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/search/photos"]

    def downloads(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/download")]

    # -- serving --

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        target = urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = Recorded("GET", target.path, parse_qs(target.query), headers, handler.path)
        with self._lock:
            self._requests.append(record)
            reply = self._queue.pop(0) if self._queue else self.default
        if reply is not None and reply.hang:
            self._stopping.wait(300)
            handler.close_connection = True
            return
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme != "Client-ID" or key not in self.api_keys:
            self._send(handler, 401, {"errors": ["OAuth error: The access token is invalid"]})
            return
        if reply is None or reply.body is None:
            with self._lock:
                if self.remaining <= 0:
                    exhausted = True
                else:
                    exhausted = False
                    self.remaining -= 1
                remaining = self.remaining
            if exhausted:
                self._send(handler, 403, "Rate Limit Exceeded", remaining=0)
                return
            status, body = self._answer(record)
            self._send(handler, reply.status if reply else status, body, remaining=remaining)
            return
        self._send(handler, reply.status, reply.body, remaining=reply.remaining)

    def _answer(self, record: Recorded) -> tuple[int, Any]:
        if record.path == "/search/photos":
            query = (record.query.get("query") or [""])[0]
            if not query:
                return 400, {"errors": ["query is missing"]}
            page = int((record.query.get("page") or ["1"])[0])
            per_page = int((record.query.get("per_page") or ["10"])[0])
            start = (page - 1) * per_page
            indexes = range(start, min(start + per_page, PHOTOS_PER_QUERY))
            total_pages = -(-PHOTOS_PER_QUERY // per_page)
            return 200, {
                "total": PHOTOS_PER_QUERY,
                "total_pages": total_pages,
                "results": [photo(query, i) for i in indexes],
            }
        if record.path.startswith("/photos/") and record.path.endswith("/download"):
            pid = record.path.split("/")[2]
            return 200, {"url": f"https://{IMAGE_HOST}/photo-{pid}?ixid=fake&fm=jpg"}
        return 404, {"errors": ["Couldn't find the resource"]}

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: Any, *, remaining: int | None = None
    ) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("X-Ratelimit-Limit", str(self.quota))
            if remaining is not None:
                handler.send_header("X-Ratelimit-Remaining", str(remaining))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

"""The Unsplash API over httpx: photo search and download tracking (spec §9.1, §2.4).

The key travels only in ``Authorization: Client-ID …``, never in a query string (URLs end up in access
logs, proxies and error reports). Nothing here logs a URL, a header or a response body: the path, the
status and the error class are enough to operate it. Unsplash answers a spent hourly quota with 403 (and
``X-Ratelimit-Remaining: 0``), a bad key with 401.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from describe_it.errors import ServiceUnavailable, UpstreamError, UpstreamTimeout
from describe_it.observability import logger

if TYPE_CHECKING:
    import httpx

    from describe_it.images.models import SearchParams

SEARCH_TIMEOUT_S = 3.0  # spec §9.1
TRACK_TIMEOUT_S = 1.5  # download tracking is best effort: it must not eat a generation's deadline
PHOTO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_URL = 2048  # what the catalogue's url column holds
_HEADERS = {"Accept-Version": "v1", "User-Agent": "DescribeIt/3.0"}


class KeyRejected(Exception):
    """Unsplash refused the key itself (401): the caller decides whose fault that is."""


class QuotaExhausted(ServiceUnavailable):
    """The key's hourly quota is spent (Unsplash 403/429 with nothing remaining)."""

    default_message = "Image search is over its hourly quota; try again later"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Urls(_Model):
    full: str
    regular: str
    small: str
    thumb: str | None = None


class _UserLinks(_Model):
    html: str | None = None


class _User(_Model):
    name: str
    username: str
    links: _UserLinks = _UserLinks()


class _PhotoLinks(_Model):
    html: str | None = None


class Photo(_Model):
    """One search result as Unsplash sends it (only what we use)."""

    id: str
    width: int
    height: int
    color: str | None = None
    description: str | None = None
    alt_description: str | None = None
    urls: _Urls
    links: _PhotoLinks = _PhotoLinks()
    user: _User


@dataclass(frozen=True)
class SearchAnswer:
    photos: list[Photo]
    total: int
    total_pages: int
    remaining: int | None  # X-Ratelimit-Remaining: what is left of the key's hourly quota


class UnsplashClient:
    def __init__(self, base_url: str, *, timeout_s: float = SEARCH_TIMEOUT_S) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        import httpx

        if self._http is None:
            # trust_env=False: no proxy or netrc from the environment ever sees the key. One client per
            # warm function, so a search after the first reuses its TLS connection.
            self._http = httpx.Client(timeout=self._timeout_s, follow_redirects=False, trust_env=False)
        return self._http

    def search(self, params: SearchParams, key: str) -> SearchAnswer:
        query: dict[str, str | int] = {
            "query": params.query,
            "page": params.page,
            "per_page": params.per_page,
            "order_by": params.order_by,
            "content_filter": "high",
        }
        if params.orientation:
            query["orientation"] = params.orientation
        if params.color:
            query["color"] = params.color
        response = self._get("/search/photos", key, query, self._timeout_s)
        remaining = _remaining(response)
        _raise_for_status(response, remaining)
        try:
            body = response.json()
            photos, skipped = _photos(body["results"])
            total, total_pages = int(body["total"]), int(body["total_pages"])
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("unsplash sent an unreadable answer", extra={"error": type(exc).__name__})
            raise UpstreamError("Image search returned an unreadable answer") from None
        if skipped:
            logger.warning("unsplash results skipped", extra={"skipped": skipped})
        return SearchAnswer(photos, max(total, 0), max(total_pages, 0), remaining)

    def track_download(self, photo_id: str, key: str) -> bool:
        """Unsplash's download tracking (API guidelines): GET the photo's download endpoint with the key.

        That endpoint is what a search result's ``links.download_location`` names. Best effort, one call
        of at most 1.5 s: True when Unsplash counted it, False otherwise (never raises).
        """
        if not PHOTO_ID.match(photo_id):
            return False
        try:
            response = self._get(f"/photos/{photo_id}/download", key, {}, TRACK_TIMEOUT_S)
        except (UpstreamError, UpstreamTimeout):
            return False
        if response.status_code != 200:
            logger.info("unsplash download tracking refused", extra={"status": response.status_code})
        return response.status_code == 200

    def _get(self, path: str, key: str, query: dict[str, Any], timeout_s: float) -> httpx.Response:
        import httpx

        headers = {**_HEADERS, "Authorization": f"Client-ID {key}"}
        try:
            return self._client().get(self._base_url + path, params=query, headers=headers, timeout=timeout_s)
        except httpx.TimeoutException:
            logger.warning("unsplash timed out", extra={"path": _template(path)})
            raise UpstreamTimeout("Image search did not answer in time") from None
        except httpx.HTTPError as exc:
            logger.warning(
                "unsplash unreachable", extra={"path": _template(path), "error": type(exc).__name__}
            )
            raise UpstreamError("Image search could not be reached") from None


def _template(path: str) -> str:
    return "/photos/{id}/download" if path.startswith("/photos/") else path


def _remaining(response: httpx.Response) -> int | None:
    value = response.headers.get("x-ratelimit-remaining", "")
    return int(value) if value.strip().isdigit() else None


def _raise_for_status(response: httpx.Response, remaining: int | None) -> None:
    status = response.status_code
    if status == 200:
        return
    if status == 429 or (status == 403 and remaining == 0):
        logger.warning("unsplash quota exhausted", extra={"status": status})
        raise QuotaExhausted()
    if status == 401:
        logger.warning("unsplash rejected the key", extra={"status": status})
        raise KeyRejected()
    logger.warning("unsplash error", extra={"status": status})
    raise UpstreamError(f"Image search failed (status {status})")


def _photos(results: Any) -> tuple[list[Photo], int]:
    """The photos we can show and describe: https URLs only; anything malformed is skipped, not fatal."""
    if not isinstance(results, list):
        raise TypeError("results is not a list")
    photos: list[Photo] = []
    skipped = 0
    for raw in results:
        try:
            photo = Photo.model_validate(raw)
        except ValidationError:
            skipped += 1
            continue
        urls = (photo.urls.full, photo.urls.regular, photo.urls.small)
        usable = PHOTO_ID.match(photo.id) and photo.width > 0 and photo.height > 0
        if not usable or not all(u.startswith("https://") and len(u) <= MAX_URL for u in urls):
            skipped += 1
            continue
        photos.append(photo)
    return photos, skipped


@cache
def get_unsplash_client(base_url: str) -> UnsplashClient:
    return UnsplashClient(base_url)

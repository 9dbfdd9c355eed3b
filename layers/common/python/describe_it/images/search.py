"""GET /api/images/search (spec §9.1): Unsplash behind a shared cache, degraded answers said to be degraded.

Order of a search: the cache (fresh 30 min: ``source:"cache"``, no key needed, no upstream call) → the key
(the caller's stored Unsplash key, else the server's; none: the demo catalogue in the local stack's demo
mode, else 503) → the server key's hourly quota (tracked for all functions; spent: no call) → the circuit
breaker → Unsplash. When Unsplash cannot answer — down, slow, over quota, circuit open, server key refused —
a cached copy up to 24 h old answers with ``source:"stale-cache"``; without one the error stands (502/504/
503). A fresh answer is catalogued (provider data) and cached for everyone: the cache is keyed by the
normalised parameters only, never by key or user, and a key is never logged or cached.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.errors import (
    ApiError,
    Detail,
    ServiceUnavailable,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from describe_it.images.models import (
    PAGE_MAX,
    ImageLinks,
    ImageUrls,
    Photographer,
    SearchImage,
    SearchPage,
    SearchParams,
    SearchResult,
    Source,
)
from describe_it.images.unsplash import KeyRejected, QuotaExhausted
from describe_it.observability import error_fields, logger

if TYPE_CHECKING:
    from describe_it.identity import Principal
    from describe_it.images.catalogue import ImageCatalogue
    from describe_it.images.demo import DemoImage
    from describe_it.images.quota import QuotaTracker
    from describe_it.images.unsplash import Photo, UnsplashClient
    from describe_it.runtime.cache import CacheEntry, TwoTierCache
    from describe_it.runtime.circuit import CircuitBreaker
    from describe_it.settings import Settings

CACHE_TTL_S = 24 * 3600  # reusable as stale-cache this long (spec §18)
CACHE_FRESH_S = 30 * 60
CACHE_CONTROL = "max-age=300, stale-while-revalidate=600"
NOT_CONFIGURED_RETRY_S = 300

UserKey = Callable[[UUID], "str | None"]


class ImageSearchService:
    def __init__(
        self,
        settings: Settings,
        *,
        cache: TwoTierCache,
        unsplash: UnsplashClient,
        quota: QuotaTracker,
        breaker: CircuitBreaker,
        catalogue: ImageCatalogue,
        user_key: UserKey,
    ) -> None:
        self._settings = settings
        self._cache = cache
        self._unsplash = unsplash
        self._quota = quota
        self._breaker = breaker
        self._catalogue = catalogue
        self._user_key = user_key

    def search(self, who: Principal, params: SearchParams) -> SearchResult:
        cache_key = params.cache_key()
        entry = self._cache.get_entry(cache_key)
        if entry is not None and entry.fresh:
            return _from_cache(entry, "cache")
        key, own = self._key(who)
        if key is None:
            if self._demo_mode():
                return demo_search(params, self._settings.api_base_url)
            logger.warning("image search has no Unsplash key")
            return _stale_or_raise(
                entry,
                ServiceUnavailable("Image search is not configured", retry_after=NOT_CONFIGURED_RETRY_S),
            )
        try:
            photos, page = self._ask_unsplash(params, key, own)
        except KeyRejected:
            if own:
                message = "Unsplash rejected your stored API key; update it in your settings"
                raise ValidationFailed(message, details=[Detail(None, message, "api_key_rejected")]) from None
            logger.error("unsplash rejected the server key")
            return _stale_or_raise(entry, ServiceUnavailable("Image search is not available", retry_after=60))
        except (UpstreamError, UpstreamTimeout, ServiceUnavailable) as failure:
            return _stale_or_raise(entry, failure)
        self._catalogue.record_search_results(photos)
        self._cache.put(cache_key, page.model_dump(mode="json"), CACHE_TTL_S, fresh_s=CACHE_FRESH_S)
        return SearchResult(**page.model_dump(), source="unsplash")

    def track_download(self, who: Principal, unsplash_id: str) -> bool:
        """Tell Unsplash a description used this photo (their API guidelines); best effort, ≤ 1.5 s.

        The generation route calls it for an ``image.unsplashId``. Demo ids and calls without a key are
        skipped. Never raises: a tracking failure must not fail a description.
        """
        if unsplash_id.startswith("demo-"):
            return False
        from describe_it.errors import LoggableError

        try:
            key, _own = self._key(who)
        except (ApiError, LoggableError) as exc:  # e.g. a stored key that cannot be decrypted
            logger.warning("download tracking skipped", extra=error_fields(exc))
            return False
        return key is not None and self._unsplash.track_download(unsplash_id, key)

    def _key(self, who: Principal) -> tuple[str | None, bool]:
        """(key, whether it is the caller's own): the stored key first, then the server's (spec §2.4)."""
        if who.user_id is not None:
            from describe_it.errors import DependencyDown

            try:
                own = self._user_key(who.user_id)
            except DependencyDown:  # the database is down: the server key still works
                own = None
                logger.warning("stored unsplash key unavailable; using the server key")
            if own:
                return own, True
        server = self._settings.unsplash_access_key
        value = server.get_secret_value().strip() if server is not None else ""
        return (value or None), False

    def _demo_mode(self) -> bool:
        return self._settings.stage == "local" and self._settings.demo_mode

    def _ask_unsplash(self, params: SearchParams, key: str, own: bool) -> tuple[list[Photo], SearchPage]:
        # The tracked quota is the server key's; a caller's own key has a quota of its own.
        if not own:
            blocked = self._quota.blocked_for()
            if blocked:
                raise QuotaExhausted(retry_after=blocked)
        self._breaker.before_call()  # 503 while the circuit is open
        try:
            answer = self._unsplash.search(params, key)
        except (UpstreamError, UpstreamTimeout):
            self._breaker.record_failure()
            raise
        except QuotaExhausted:  # neither failure nor success for the breaker: Unsplash is up
            self._breaker.record_neutral()  # a half-open trial that ends here frees the trial
            retry_after = self._quota.exhausted() if not own else 60
            raise QuotaExhausted(retry_after=retry_after) from None
        except BaseException:  # a refused key, a client error: neutral as well
            self._breaker.record_neutral()
            raise
        self._breaker.record_success()
        if not own:
            self._quota.observe(answer.remaining)
        images = [_image(photo) for photo in answer.photos]
        total_pages = min(answer.total_pages, 10_000)
        page = SearchPage(
            images=images,
            total=answer.total,
            total_pages=total_pages,
            current_page=params.page,
            has_next_page=params.page < min(total_pages, PAGE_MAX),
        )
        return answer.photos, page


def _image(photo: Photo) -> SearchImage:
    return SearchImage(
        id=photo.id,
        urls=ImageUrls(small=photo.urls.small, regular=photo.urls.regular, full=photo.urls.full),
        alt_description=photo.alt_description,
        description=photo.description,
        user=Photographer(
            name=photo.user.name, username=photo.user.username, profile_url=photo.user.links.html
        ),
        links=ImageLinks(html=photo.links.html),
        width=photo.width,
        height=photo.height,
        color=photo.color,
    )


def _from_cache(entry: CacheEntry, source: Source) -> SearchResult:
    return SearchResult(**SearchPage.model_validate(entry.value).model_dump(), source=source)


def _stale_or_raise(entry: CacheEntry | None, failure: ApiError) -> SearchResult:
    if entry is None:
        raise failure
    logger.info("image search answered from the stale cache", extra={"reason": type(failure).__name__})
    return _from_cache(entry, "stale-cache")


# --- the demo catalogue (local stack, demo mode, no key) ------------------------------------------------


def _fold(text: str) -> str:
    """Case and accents ignored: "Árbol" finds "arbol"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(word: str, tags: Sequence[str]) -> bool:
    # Whole tags, or a word's plural/stem ("casas" → casa, "flor" → flores): at least three letters.
    return any(
        word == tag or (min(len(word), len(tag)) >= 3 and (word.startswith(tag) or tag.startswith(word)))
        for tag in tags
    )


def demo_search(params: SearchParams, api_base_url: str) -> SearchResult:
    """The packaged demo images whose English or Spanish keywords match the query, paginated like Unsplash.

    Ranked by how many query words match; orientation filters as Unsplash does; ``color`` is not applied
    (the drawings have one average colour each, not Unsplash's colour classes).
    """
    from describe_it.images.demo import load_demo_images

    words = [_fold(word) for word in params.query.split()]
    scored: list[tuple[int, int, DemoImage]] = []
    for position, image in enumerate(load_demo_images()):
        # Its tags and the words of its name ("demo-red-house": red, house) are its keywords.
        tags = [_fold(tag) for tag in (*image.tags, *image.id.removeprefix("demo-").split("-"))]
        score = sum(1 for word in words if _matches(word, tags))
        if score and _orientation_fits(params.orientation, image.width, image.height):
            scored.append((-score, position, image))
    scored.sort()
    total = len(scored)
    total_pages = math.ceil(total / params.per_page)
    start = (params.page - 1) * params.per_page
    chosen = [image for _, _, image in scored[start : start + params.per_page]]
    return SearchResult(
        images=[_demo_image(image, api_base_url) for image in chosen],
        total=total,
        total_pages=total_pages,
        current_page=params.page,
        has_next_page=params.page < min(total_pages, PAGE_MAX),
        source="demo",
    )


def _orientation_fits(orientation: str | None, width: int, height: int) -> bool:
    if orientation == "landscape":
        return width > height
    if orientation == "portrait":
        return height > width
    if orientation == "squarish":
        return abs(width - height) <= 0.1 * max(width, height)
    return True


def _demo_image(image: DemoImage, api_base_url: str) -> SearchImage:
    from describe_it.images.demo import display_url

    url = display_url(image, api_base_url)
    return SearchImage(
        id=image.id,
        urls=ImageUrls(small=url, regular=url, full=url),
        alt_description=image.alt_en,
        description=image.description_en,
        user=Photographer(name=image.photographer, username="describe-it", profile_url=None),
        links=ImageLinks(html=None),
        width=image.width,
        height=image.height,
        color=image.color,
    )


# --- conditional requests -------------------------------------------------------------------------------


def etag(result: SearchResult) -> str:
    """A weak tag of the images and paging: the same page from Unsplash or the cache is the same page."""
    content = result.model_dump(mode="json", exclude={"source"})
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """``If-None-Match`` compared weakly (RFC 9110 §13.1.2): a list, ``*``, with or without ``W/``."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == tag.removeprefix("W/") for t in tags)


def cache_control(who: Principal) -> str:
    """Spec §9.1's caching; ``private`` for a signed-in caller, whose envelope names them (userId)."""
    return f"{'private' if who.user_id is not None else 'public'}, {CACHE_CONTROL}"


# --- production wiring ----------------------------------------------------------------------------------


def get_image_search_service() -> ImageSearchService:
    from describe_it.apikeys.service import resolve_user_key
    from describe_it.images.catalogue import get_image_catalogue
    from describe_it.images.quota import get_quota_tracker
    from describe_it.images.unsplash import get_unsplash_client
    from describe_it.runtime.cache import get_cache
    from describe_it.runtime.circuit import get_circuit_breaker
    from describe_it.settings import get_settings

    settings = get_settings()
    return ImageSearchService(
        settings,
        cache=get_cache(),
        unsplash=get_unsplash_client(settings.unsplash_base_url),
        quota=get_quota_tracker(),
        breaker=get_circuit_breaker("unsplash"),
        catalogue=get_image_catalogue(),
        user_key=lambda user_id: resolve_user_key(user_id, "unsplash"),
    )


def track_unsplash_download(who: Principal, unsplash_id: str) -> bool:
    """For the generation route: ``track_download`` with the production wiring."""
    started = time.monotonic()
    counted = get_image_search_service().track_download(who, unsplash_id)
    logger.info(
        "unsplash download tracked" if counted else "unsplash download not tracked",
        extra={"took_ms": round((time.monotonic() - started) * 1000)},
    )
    return counted

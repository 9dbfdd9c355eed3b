"""The shared image catalogue: which images learners use, and their normalised bytes kept by content hash.

``identify`` names an image without fetching it (``imageId`` = UUIDv5 of its source hash, schema.md §4):
enough for a cache key. ``resolve_image`` makes it ready for the model — fetch (or decode) → normalise →
store → record — unless the catalogue already keeps its normalised JPEG, in which case nothing is fetched
(a popular Unsplash photo is fetched once for all learners). ``record_search_results`` writes what Unsplash
said about the photos of a search page, as provider data.

Bytes of an https image go to ``images/<sha256>.jpg`` in the stack bucket and are recorded on the row;
an upload (data URI) goes to ``tmp/images/<sha256>.jpg`` (1-day lifecycle) and is never recorded: the
catalogue does not keep learners' own pictures (schema.md §4).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.errors import DependencyDown, DuplicateValue, UpstreamTimeout
from describe_it.images.models import ImageIdentity, ImageMeta, ResolvedImage
from describe_it.images_ids import image_id_for_hash, source_hash_for_url
from describe_it.observability import error_fields, logger

if TYPE_CHECKING:
    from describe_it.images.demo import DemoImage
    from describe_it.images.fetcher import ImageFetcher
    from describe_it.images.normalize import SourceImage
    from describe_it.images.repository import ImageRow, ProviderPhoto
    from describe_it.images.unsplash import Photo
    from describe_it.runtime.blobs import BlobStore
    from describe_it.settings import Settings

ACQUIRE_TIMEOUT_S = 4.0  # image acquisition budget of a description (spec §5.1)
KEPT_PREFIX = "images/"
UPLOAD_PREFIX = "tmp/images/"
JPEG = "image/jpeg"


def kept_key(sha256_hex: str) -> str:
    return f"{KEPT_PREFIX}{sha256_hex}.jpg"


def upload_key(sha256_hex: str) -> str:
    return f"{UPLOAD_PREFIX}{sha256_hex}.jpg"


@dataclass(frozen=True)
class _Identified:
    identity: ImageIdentity
    demo: DemoImage | None = None
    upload: SourceImage | None = None  # a data URI, already decoded


class ImageCatalogue:
    def __init__(
        self,
        settings: Settings,
        *,
        fetcher: Callable[[], ImageFetcher],
        store: Callable[[], BlobStore],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._fetcher = fetcher
        self._store = store
        self._clock = clock

    # --- naming an image ------------------------------------------------------------------------

    def identify(self, *, image_url: str | None = None, data_uri: str | None = None) -> ImageIdentity:
        """Who this image is, without fetching it: the same 400s as fetching it would give."""
        return self._identify(image_url, data_uri).identity

    def _identify(self, image_url: str | None, data_uri: str | None) -> _Identified:
        if (image_url is None) == (data_uri is None):
            raise ValueError("give exactly one of image_url and data_uri")
        if data_uri is not None:
            from describe_it.images.normalize import parse_data_uri

            upload = parse_data_uri(data_uri)
            source_hash = hashlib.sha256(upload.data).digest()
            return _Identified(
                ImageIdentity(image_id_for_hash(source_hash), source_hash, "upload", None), None, upload
            )
        assert image_url is not None
        demo = self._demo(image_url)
        if demo is not None:
            from describe_it.images.demo import identity_url

            url = identity_url(demo)
        else:
            from describe_it.images.urls import normalise_image_url

            url = normalise_image_url(self._fetcher().check_url(image_url))
        source_hash = source_hash_for_url(url)
        return _Identified(ImageIdentity(image_id_for_hash(source_hash), source_hash, "url", url), demo)

    def _demo(self, image_url: str) -> DemoImage | None:
        """Demo images resolve to their packaged bytes, in the local stack's demo mode only."""
        if not (self._settings.stage == "local" and self._settings.demo_mode):
            return None
        from describe_it.images.demo import find_by_url

        return find_by_url(image_url, self._settings.api_base_url)

    # --- resolving an image for the model ---------------------------------------------------------

    def resolve_image(
        self,
        *,
        image_url: str | None = None,
        data_uri: str | None = None,
        image_meta: ImageMeta | None = None,
        user_id: UUID | None = None,
        required: bool = True,
        timeout_s: float = ACQUIRE_TIMEOUT_S,
    ) -> ResolvedImage:
        """The image as a normalised JPEG in the bucket, and its catalogue row (created or used once more).

        ``required=False`` (a guest generation): a database outage does not fail the call; the row is
        simply not written (its id is deterministic anyway). ``timeout_s`` bounds fetching. Raises the
        fetcher's and the normaliser's errors (400/403/413/415/502/504) and 503 when storage is down.
        """
        started = self._clock()
        found = self._identify(image_url, data_uri)
        identity = found.identity
        row = self._find(identity, user_id, required)
        if row is not None and row.stored_sha256 is not None:
            reused = self._reuse(identity, row)
            if reused is not None:
                self._record(identity, reused, None, image_meta, user_id, required)
                return reused
        source = self._acquire(found, image_url, timeout_s - (self._clock() - started))
        from describe_it.images.normalize import normalize_for_model

        normalized = normalize_for_model(source)
        keep = identity.source_type == "url"
        key = kept_key(normalized.sha256) if keep else upload_key(normalized.sha256)
        self._store().put(key, normalized.data)
        resolved = ResolvedImage(
            image_id=identity.image_id,
            source_hash=identity.source_hash,
            s3_key=key,
            media_type=JPEG,
            width=normalized.width,
            height=normalized.height,
            sha256=normalized.sha256,
            url=identity.url,
            fetched=True,
        )
        original = (normalized.original_width, normalized.original_height)
        self._record(identity, resolved, original, image_meta, user_id, required)
        return resolved

    def _reuse(self, identity: ImageIdentity, row: ImageRow) -> ResolvedImage | None:
        assert row.stored_sha256 is not None
        assert row.stored_width is not None
        assert row.stored_height is not None
        digest = bytes(row.stored_sha256).hex()
        if not self._store().exists(kept_key(digest)):
            # The row outlived its object (a local stack's in-memory S3 restarted): store it again.
            logger.warning("stored image missing; fetching it again", extra={"image_id": str(row.id)})
            return None
        return ResolvedImage(
            image_id=identity.image_id,
            source_hash=identity.source_hash,
            s3_key=kept_key(digest),
            media_type=JPEG,
            width=row.stored_width,
            height=row.stored_height,
            sha256=digest,
            url=row.url,
            fetched=False,
        )

    def _acquire(self, found: _Identified, image_url: str | None, budget_s: float) -> SourceImage:
        from describe_it.images.normalize import SourceImage

        if found.upload is not None:
            return found.upload
        if found.demo is not None:
            return SourceImage(found.demo.data, "image/jpeg")
        if budget_s <= 0:
            raise UpstreamTimeout("The image could not be fetched in time")
        assert image_url is not None
        fetched = self._fetcher().fetch(image_url, timeout_s=budget_s)
        return SourceImage(fetched.data, fetched.content_type)

    def _find(self, identity: ImageIdentity, user_id: UUID | None, required: bool) -> ImageRow | None:
        from describe_it.db.tx import transaction
        from describe_it.images import repository as repo

        try:
            with transaction("app", user_id) as conn:
                return repo.find(conn, identity.source_hash)
        except DependencyDown as exc:
            if required:
                raise
            logger.warning("image catalogue unavailable; going on without it", extra=error_fields(exc))
            return None

    def _record(
        self,
        identity: ImageIdentity,
        resolved: ResolvedImage,
        original: tuple[int, int] | None,
        meta: ImageMeta | None,
        user_id: UUID | None,
        required: bool,
    ) -> None:
        from describe_it.db.tx import transaction
        from describe_it.images import repository as repo

        keep = identity.source_type == "url"
        used = repo.UsedImage(
            id=identity.image_id,
            source_hash=identity.source_hash,
            source_type=identity.source_type,
            url=identity.url,
            width=original[0] if original else None,
            height=original[1] if original else None,
            stored_sha256=bytes.fromhex(resolved.sha256) if keep else None,
            stored_width=resolved.width if keep else None,
            stored_height=resolved.height if keep else None,
        )
        try:
            with transaction("app", user_id) as conn:
                repo.record_use(conn, used)
                if meta is not None:
                    _fill(identity.image_id, meta, user_id)
        except DependencyDown as exc:
            if required:
                raise
            logger.warning("image use not recorded; catalogue unavailable", extra=error_fields(exc))

    # --- search results -------------------------------------------------------------------------

    def record_search_results(self, photos: Sequence[Photo]) -> int:
        """What Unsplash said about a page of photos, as provider data (it may overwrite metadata).

        One statement for the page. Best effort: a search answer is good without it, so a database
        failure is logged and the search goes on. Returns the rows written.
        """
        from describe_it.db.tx import run_in_transaction
        from describe_it.errors import ApiError
        from describe_it.images import repository as repo

        rows = self._provider_rows(photos)
        if not rows:
            return 0

        def write(conn: repo.Conn) -> int:
            repo.as_provider(conn)
            return repo.upsert_provider_photos(conn, rows)

        try:
            return run_in_transaction("app", None, write)
        except ApiError as exc:
            logger.warning("search results not catalogued", extra=error_fields(exc))
            return 0

    def _provider_rows(self, photos: Sequence[Photo]) -> list[ProviderPhoto]:
        from describe_it.errors import ApiError
        from describe_it.images import repository as repo

        rows: dict[str, repo.ProviderPhoto] = {}
        hashes: set[bytes] = set()
        for photo in sorted(photos, key=lambda p: p.id):  # one lock order for concurrent searches
            try:
                identity = self.identify(image_url=photo.urls.regular)
            except ApiError:  # a URL the fetcher would refuse (e.g. IMAGE_FETCH_ALLOWED_HOSTS)
                continue
            if photo.id in rows or identity.source_hash in hashes:
                continue
            assert identity.url is not None
            hashes.add(identity.source_hash)
            profile = photo.user.links.html
            rows[photo.id] = repo.ProviderPhoto(
                id=identity.image_id,
                source_hash=identity.source_hash,
                url=identity.url,
                unsplash_id=photo.id,
                thumbnail_url=photo.urls.small,
                description=_cut(photo.description, 2000),
                alt_description=_cut(photo.alt_description, 2000),
                width=photo.width,
                height=photo.height,
                color=photo.color if photo.color and _is_hex_colour(photo.color) else None,
                photographer_name=_cut(photo.user.name, 200),
                photographer_username=_cut(photo.user.username, 100),
                photographer_url=profile if profile and profile.startswith("https://") else None,
            )
        return list(rows.values())


def _fill(image_id: UUID, meta: ImageMeta, user_id: UUID | None) -> None:
    """A client's metadata, where the row's is empty. A race for the same ``unsplashId`` loses quietly."""
    from describe_it.db.tx import transaction
    from describe_it.images import repository as repo

    try:
        with transaction("app", user_id) as inner:  # a savepoint of the caller's transaction
            repo.fill_metadata(inner, image_id, meta)
    except DuplicateValue:
        logger.info(
            "image metadata not filled: unsplashId already catalogued", extra={"image_id": str(image_id)}
        )


def _cut(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return (text[: limit - 1] + "…" if len(text) > limit else text) or None


def _is_hex_colour(value: str) -> bool:
    return len(value) == 7 and value[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in value[1:])


def get_image_catalogue() -> ImageCatalogue:
    """The production catalogue; its fetcher and bucket client are built when first needed."""
    from describe_it.images.fetcher import fetcher_from_settings
    from describe_it.runtime.blobs import BlobStore
    from describe_it.settings import get_settings

    settings = get_settings()
    return ImageCatalogue(settings, fetcher=lambda: fetcher_from_settings(settings), store=BlobStore)

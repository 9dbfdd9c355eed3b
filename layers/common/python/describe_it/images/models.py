"""Request and response models of the image routes (spec §9.1, §9.2), the ``image`` object a description
request carries (§5.1), and what ``catalogue.resolve_image`` hands the generation route."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from describe_it.models import ApiModel, Text, rule, server_rules

# --- GET /api/images/search ----------------------------------------------------------------------------

Orientation = Literal["landscape", "portrait", "squarish"]
Color = Literal[
    "black_and_white",
    "black",
    "white",
    "yellow",
    "orange",
    "red",
    "purple",
    "magenta",
    "green",
    "teal",
    "blue",
]
OrderBy = Literal["relevant", "latest"]
Source = Literal["unsplash", "cache", "stale-cache", "demo"]
QUERY_MAX = 100
PER_PAGE_MAX = 30
PAGE_MAX = 100


def normalise_query(value: str) -> str:
    """The cache's view of a query (spec §9.1): NFC, case-folded, trimmed, inner whitespace collapsed.

    Unsplash answers "Cat" and " cat " alike, so they share one cache entry and one upstream call.
    """
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


class SearchParams(ApiModel):
    query: Annotated[
        Text, AfterValidator(normalise_query), StringConstraints(min_length=1, max_length=QUERY_MAX)
    ]
    page: int = Field(1, ge=1, le=PAGE_MAX)
    per_page: int = Field(12, ge=1, le=PER_PAGE_MAX)
    orientation: Orientation | None = None
    color: Color | None = None
    order_by: OrderBy = "relevant"

    def cache_key(self) -> str:
        """Keyed by what was asked only, never by key or user: everyone shares one entry."""
        import hashlib
        import json

        canonical = json.dumps(self.model_dump(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return f"images:search:v1:{hashlib.sha256(canonical.encode()).hexdigest()}"


class ImageUrls(ApiModel):
    small: str
    regular: str
    full: str


class Photographer(ApiModel):
    name: str
    username: str
    profile_url: str | None = None


class ImageLinks(ApiModel):
    html: str | None = None


class SearchImage(ApiModel):
    id: str = Field(description="The Unsplash photo id (demo-… for the local demo catalogue)")
    urls: ImageUrls
    alt_description: str | None = None
    description: str | None = None
    user: Photographer
    links: ImageLinks
    width: int
    height: int
    color: str | None = None


class SearchPage(ApiModel):
    """What is cached: everything of the answer but where it came from."""

    images: list[SearchImage]
    total: int
    total_pages: int
    current_page: int
    has_next_page: bool


class SearchResult(SearchPage):
    source: Source


# --- POST /api/images/proxy ------------------------------------------------------------------------------

OutputFormat = Literal["jpeg", "webp", "png"]


# What the proxy takes, as the document states it (the scheme and the data URI's prefix are case-blind,
# as the fetcher and ``normalize.parse_data_uri`` are); which hosts and bytes are fine only the server knows.
IMAGE_SOURCE_PATTERN = (
    r"^(?:[Hh][Tt][Tt][Pp][Ss]://[^\x00-\x20\x7f]{1,2040}"
    r"|[Dd][Aa][Tt][Aa]:[Ii][Mm][Aa][Gg][Ee]/[A-Za-z0-9.+-]+;[Bb][Aa][Ss][Ee]64,[A-Za-z0-9+/]+={0,2})$"
)


# The ``imageUrl`` of the proxy and of description requests: an https URL (≤ 2048, checked by the
# fetcher) or a data URI of up to 5 MB of image (≈ 7 MB of base64), and what only the fetch can check.
ImageSource = Annotated[
    str,
    Field(
        min_length=1,
        max_length=7_500_000,
        description="https URL (≤ 2048 characters) or data:image/…;base64,…",
        json_schema_extra={"pattern": IMAGE_SOURCE_PATTERN},
    ),
]
IMAGE_SOURCE_RULES = server_rules(
    rule("imageUrl", "a public https host (checked when fetched)", code="invalid_format"),
    rule("imageUrl", "a host that exists", code="not_found"),
    rule("imageUrl", "a JPEG, PNG, WebP or GIF image of at most 5 MB", code="invalid_format"),
)


class ProxyRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra=IMAGE_SOURCE_RULES)

    image_url: ImageSource
    max_width: int | None = Field(None, ge=50, le=2000)
    max_height: int | None = Field(None, ge=50, le=2000)
    quality: int = Field(85, ge=1, le=100)
    format: OutputFormat | None = Field(None, description="Default: jpeg, or png to keep transparency")


class ProxyResult(ApiModel):
    data_uri: str
    content_type: str
    size: int
    size_formatted: str
    width: int
    height: int
    original_size: int
    original_width: int
    original_height: int
    resized: bool
    quality: int | None = Field(description="null for PNG (lossless)")


# --- the `image` object of POST /api/descriptions/generate (§5.1) ----------------------------------------

HttpsUrl = Annotated[Text, StringConstraints(pattern=r"^https://", max_length=2048)]


class ImageMeta(ApiModel):
    """What a client read from a search result. The catalogue takes it only where its own columns are
    empty (correction 21): a client can fill in, never overwrite, what learners share."""

    unsplash_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    alt_description: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    description: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    width: int | None = Field(None, gt=0, le=100_000)
    height: int | None = Field(None, gt=0, le=100_000)
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None
    photographer_name: Annotated[Text, StringConstraints(max_length=200)] | None = None
    photographer_username: Annotated[Text, StringConstraints(max_length=100)] | None = None
    photographer_url: HttpsUrl | None = None


# --- what the generation route gets -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImageIdentity:
    """Who an image is, known without fetching it: enough for a cache key and the ``imageId``."""

    image_id: UUID
    source_hash: bytes
    source_type: Literal["url", "upload"]
    url: str | None  # the normalised https URL (the catalogue's ``url``); None for a data URI


@dataclass(frozen=True)
class ResolvedImage:
    """An image ready for the model: its normalised JPEG in the bucket, and its catalogue row's id."""

    image_id: UUID
    source_hash: bytes
    s3_key: str  # images/<sha256>.jpg (kept), or tmp/images/<sha256>.jpg for uploads (1-day lifecycle)
    media_type: str  # always image/jpeg
    width: int  # of the normalised JPEG
    height: int
    sha256: str  # hex digest of the normalised JPEG
    url: str | None  # the catalogue's URL; None for a data URI
    fetched: bool  # False: stored bytes were reused, nothing was fetched or decoded

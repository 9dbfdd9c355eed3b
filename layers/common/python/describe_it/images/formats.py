"""The four image types the service accepts, and how to recognise them by their first bytes.

A declared type (a ``Content-Type`` header or a data URI's media type) is never trusted alone: the
magic bytes must say the same thing before anything is decoded.
"""

from __future__ import annotations

from typing import Literal

from describe_it.http.policy import MB

ImageType = Literal["image/jpeg", "image/png", "image/webp", "image/gif"]
IMAGE_TYPES: tuple[ImageType, ...] = ("image/jpeg", "image/png", "image/webp", "image/gif")
MAX_IMAGE_BYTES = 5 * MB  # fetched or decoded from a data URI (spec §1.6, §9.3)
NOT_SUPPORTED = "Only JPEG, PNG, WebP and GIF images are supported"


def sniff(data: bytes) -> ImageType | None:
    """The type the magic bytes announce, or None when they are none of the four."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def as_image_type(media_type: str) -> ImageType | None:
    """``image/PNG; charset=x`` → ``image/png``; None for anything outside the four (SVG included)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    for image_type in IMAGE_TYPES:
        if essence == image_type:
            return image_type
    return None


def is_svg(media_type: str) -> bool:
    return media_type.split(";", 1)[0].strip().lower().startswith("image/svg")

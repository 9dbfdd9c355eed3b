"""Image normalisation: what the model sees (spec §5.1) and what the proxy returns (§9.2).

Both start the same way: magic bytes must match the declared type, the header's dimensions are
checked against the 40 MP cap *before* any pixel is decoded (a 50 KB file can declare a 100 000 ×
100 000 canvas), only the first frame of an animation is decoded, the EXIF orientation is applied and
the pixels are converted to RGB (or RGBA where the output keeps transparency). Re-encoding drops every
piece of metadata (EXIF, GPS, ICC), so nothing but pixels leaves the service.

Pillow is imported inside the functions only: importing this module costs nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import re
import struct
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from describe_it.errors import Detail, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from describe_it.http.policy import MB
from describe_it.images.formats import MAX_IMAGE_BYTES, NOT_SUPPORTED, ImageType, as_image_type, sniff
from describe_it.images.urls import FIELD

if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 40_000_000  # decoding cap (spec §9.3)
MODEL_LONG_EDGE = 1568  # the largest image Claude uses without downscaling it itself
MODEL_QUALITY = 85
MIN_DIMENSION, MAX_DIMENSION = 50, 2000  # proxy maxWidth/maxHeight bounds
MAX_OUTPUT_DATA_URI = 4 * MB  # proxy output, as a data URI (keeps the response under Lambda's 6 MB)
_STEP_QUALITIES = (70, 55, 40, 25, 10)  # tried in turn when the proxy output is too large

OutputFormat = Literal["jpeg", "webp", "png"]
_OUTPUT_TYPES: dict[OutputFormat, str] = {"jpeg": "image/jpeg", "webp": "image/webp", "png": "image/png"}
_PIL_FORMATS: dict[ImageType, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
_DATA_URI = re.compile(r"data:(image/[a-z0-9.+-]+);base64,", re.IGNORECASE)
# What Pillow's decoders raise on a broken or truncated file (never a bare ``except``).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, KeyError)


@dataclass(frozen=True)
class SourceImage:
    """Undecoded image bytes and the type they claim to be."""

    data: bytes
    content_type: ImageType


@dataclass(frozen=True)
class NormalizedImage:
    data: bytes
    content_type: str  # image/jpeg, image/webp or image/png
    width: int
    height: int
    original_size: int  # bytes of the input
    original_width: int  # as displayed, i.e. after the EXIF orientation
    original_height: int
    sha256: str  # hex digest of ``data``
    resized: bool
    quality: int | None  # None for PNG (lossless)

    @property
    def size(self) -> int:
        return len(self.data)

    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def is_data_uri(value: str) -> bool:
    return value[:5].lower() == "data:"


def parse_data_uri(uri: str) -> SourceImage:
    """``data:image/(jpeg|png|webp|gif);base64,…`` → its bytes (≤ 5 MB, strict base64)."""
    header = _DATA_URI.match(uri)
    if header is None:
        raise _invalid("The data URI must look like data:image/<type>;base64,<data>")
    declared = as_image_type(header.group(1))
    if declared is None:
        raise _invalid(NOT_SUPPORTED)
    payload = uri[header.end() :]
    if len(payload) > 4 * math.ceil(MAX_IMAGE_BYTES / 3):  # refuse before decoding anything
        raise _too_large_input()
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("The data URI is not valid base64") from None
    if not data:
        raise _invalid("The data URI holds no image")
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large_input()
    return SourceImage(data, declared)


def normalize_for_model(source: SourceImage) -> NormalizedImage:
    """RGB JPEG q85, long edge ≤ 1568 px: what a description is generated from (spec §5.1)."""
    image, original, target = _decode(source, (MODEL_LONG_EDGE, MODEL_LONG_EDGE))
    image = _resize(_flatten(_to_rgb(image)), target)
    data = _encode(image, "jpeg", MODEL_QUALITY)
    return _result(data, "jpeg", image, source, original, MODEL_QUALITY)


def normalize_for_proxy(
    source: SourceImage,
    *,
    max_width: int | None = None,
    max_height: int | None = None,
    quality: int = MODEL_QUALITY,
    output_format: OutputFormat | None = None,
) -> NormalizedImage:
    """The ``POST /api/images/proxy`` variant (spec §9.2).

    Without a box the long edge is capped at 1568 px; with one side only, the other follows the
    aspect ratio. Never enlarged. Without a format: JPEG, or PNG when the image has transparency.
    The output data URI stays ≤ 4 MB: lossy formats step their quality down, then 413.
    """
    _check_bounds(max_width=max_width, max_height=max_height, quality=quality)
    if max_width is None and max_height is None:
        box = (MODEL_LONG_EDGE, MODEL_LONG_EDGE)
    else:  # one side given: the other is bounded by the aspect ratio alone
        box = (max_width or 10**9, max_height or 10**9)
    image, original, target = _decode(source, box)
    image = _to_rgb(image)
    fmt: OutputFormat = output_format or ("png" if _alpha_in_use(image) else "jpeg")
    image = _resize(_flatten(image) if fmt == "jpeg" else image, target)
    qualities = [quality] if fmt == "png" else [quality, *(q for q in _STEP_QUALITIES if q < quality)]
    for attempt in qualities:
        data = _encode(image, fmt, attempt)
        if _data_uri_length(len(data), _OUTPUT_TYPES[fmt]) <= MAX_OUTPUT_DATA_URI:
            return _result(data, fmt, image, source, original, None if fmt == "png" else attempt)
    raise PayloadTooLarge("The image is too large to return, even at the lowest quality")


# --- decoding --------------------------------------------------------------------------------------


@cache
def _configure_pillow() -> None:
    from PIL import Image

    # Pillow raises DecompressionBombError above twice this (caught in _decode) and only warns
    # above it; we refuse everything above it ourselves, from the header, before any pixel is decoded.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _decode(
    source: SourceImage, box: tuple[int, int]
) -> tuple[Image.Image, tuple[int, int], tuple[int, int]]:
    """The first frame, oriented; its displayed size; and the size that fits ``box``."""
    _configure_pillow()
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = source.data
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large_input()
    actual = sniff(data)
    if actual is None:
        raise UnsupportedMediaType("The file is not an image")
    if actual != source.content_type:
        raise UnsupportedMediaType("The image's content does not match its declared type")
    try:
        image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[source.content_type]])
        stored = image.size  # from the header: no pixel has been decoded yet
        if stored[0] * stored[1] > MAX_PIXELS:
            raise _too_many_pixels()
        rotated = image.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF orientations that swap sides
        oriented = (stored[1], stored[0]) if rotated else stored
        target = _fit(oriented, box)
        if image.format == "JPEG":
            # libjpeg may decode at 1/2, 1/4 or 1/8 scale when that still covers the target: a
            # 40 MP photo then costs a fraction of the memory and time. LANCZOS does the rest.
            image.draft("RGB", (target[1], target[0]) if rotated else target)
        image.seek(0)  # animations: the first frame only
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        raise UnsupportedMediaType("The image could not be decoded (damaged or truncated file)") from None
    return image, oriented, target


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size within ``box`` with ``size``'s aspect ratio, never larger than ``size``."""
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image carries transparency (palette, grey, CMYK… all end up here)."""
    try:
        if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey: scale, as convert() clips
            image = image.convert("I").point(lambda value: value / 256).convert("L")
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    except _DECODE_ERRORS:
        raise UnsupportedMediaType("The image's colour format is not supported") from None


def _alpha_in_use(image: Image.Image) -> bool:
    if image.mode != "RGBA":
        return False
    low = image.getchannel("A").getextrema()[0]  # a single band: (min, max)
    return isinstance(low, int | float) and low < 255


def _flatten(image: Image.Image) -> Image.Image:
    """Transparency onto white (JPEG has no alpha channel)."""
    from PIL import Image

    if image.mode != "RGBA":
        return image
    white = Image.new("RGB", image.size, (255, 255, 255))
    white.paste(image, mask=image.getchannel("A"))
    return white


def _resize(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    from PIL import Image

    return image if image.size == target else image.resize(target, Image.Resampling.LANCZOS)


def _encode(image: Image.Image, fmt: OutputFormat, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality)
    else:
        image.save(out, "PNG")  # optimize=True costs seconds on a large image for a few percent
    return out.getvalue()


def _result(
    data: bytes,
    fmt: OutputFormat,
    image: Image.Image,
    source: SourceImage,
    original: tuple[int, int],
    quality: int | None,
) -> NormalizedImage:
    return NormalizedImage(
        data=data,
        content_type=_OUTPUT_TYPES[fmt],
        width=image.width,
        height=image.height,
        original_size=len(source.data),
        original_width=original[0],
        original_height=original[1],
        sha256=hashlib.sha256(data).hexdigest(),
        resized=image.size != original,
        quality=quality,
    )


def _data_uri_length(size: int, content_type: str) -> int:
    return len(f"data:{content_type};base64,") + 4 * math.ceil(size / 3)


def _check_bounds(*, max_width: int | None, max_height: int | None, quality: int) -> None:
    details = [
        Detail(
            name,
            f"Must be between {MIN_DIMENSION} and {MAX_DIMENSION}",
            "too_small" if value < MIN_DIMENSION else "too_large",
        )
        for name, value in (("maxWidth", max_width), ("maxHeight", max_height))
        if value is not None and not MIN_DIMENSION <= value <= MAX_DIMENSION
    ]
    if not 1 <= quality <= 100:
        details.append(
            Detail("quality", "Must be between 1 and 100", "too_small" if quality < 1 else "too_large")
        )
    if details:
        raise ValidationFailed(details[0].message if len(details) == 1 else None, details=details)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(FIELD, message, "invalid_format")])


def _too_many_pixels() -> PayloadTooLarge:
    return PayloadTooLarge(f"The image is larger than {MAX_PIXELS // 1_000_000} megapixels")


def _too_large_input() -> PayloadTooLarge:
    return PayloadTooLarge(f"The image is larger than {MAX_IMAGE_BYTES // MB} MB")

"""Images made on the spot with Pillow, for the fetcher and normalisation tests."""

from __future__ import annotations

import io
import random
from typing import Any

from PIL import Image

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


def encode(image: Image.Image, content_type: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, FORMATS[content_type], **options)
    return out.getvalue()


def solid(content_type: str = "image/jpeg", size: tuple[int, int] = (64, 48), color: Any = "red") -> bytes:
    mode = "RGBA" if isinstance(color, tuple) and len(color) == 4 else "RGB"
    return encode(Image.new(mode, size, color), content_type)


def noise(size: tuple[int, int], seed: int = 7) -> Image.Image:
    """Incompressible pixels: what makes an encoder's output large."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))

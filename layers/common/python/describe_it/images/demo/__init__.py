"""The demo image catalogue: twelve small drawings of our own (CC0), so that search → pick → describe
works in ``make run`` with no network. ``draw.py`` made them; ``manifest.json`` says what each shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class DemoImage:
    id: str
    file: str
    content_type: str
    width: int
    height: int
    color: str  # average colour, "#rrggbb" (what Unsplash calls ``color``)
    alt_en: str
    alt_es: str
    description_en: str
    description_es: str
    tags: tuple[str, ...]
    photographer: str
    license: str
    data: bytes


@lru_cache(maxsize=1)
def load_demo_images() -> tuple[DemoImage, ...]:
    """Every demo image with its bytes, in manifest order (read once per process)."""
    manifest = json.loads((_HERE / "manifest.json").read_text(encoding="utf-8"))
    return tuple(
        DemoImage(
            id=entry["id"],
            file=entry["file"],
            content_type="image/jpeg",
            width=entry["width"],
            height=entry["height"],
            color=entry["color"],
            alt_en=entry["altDescription"]["en"],
            alt_es=entry["altDescription"]["es"],
            description_en=entry["description"]["en"],
            description_es=entry["description"]["es"],
            tags=tuple(entry["tags"]),
            photographer=entry["photographer"],
            license=entry["license"],
            data=(_HERE / entry["file"]).read_bytes(),
        )
        for entry in manifest["images"]
    )


# Where the demo images live. A browser loads them from the local stack (``infra/local/run.py`` serves
# ``/demo-images/<file>``); the catalogue knows each by an https identity URL on a reserved, never-resolving
# name (RFC 2606 ``.invalid``), because its ``url`` column holds https URLs only. The catalogue maps either
# form to the packaged bytes, locally and in demo mode only: a demo image is never fetched over HTTP.
IDENTITY_BASE = "https://demo-images.describe-it.invalid/"
DISPLAY_PREFIX = "/demo-images/"


def identity_url(image: DemoImage) -> str:
    return IDENTITY_BASE + image.file


def display_url(image: DemoImage, api_base_url: str) -> str:
    return api_base_url.rstrip("/") + DISPLAY_PREFIX + image.file


def by_file(name: str) -> DemoImage | None:
    return next((image for image in load_demo_images() if image.file == name), None)


def find_by_url(url: str, api_base_url: str) -> DemoImage | None:
    """The demo image ``url`` names (its identity or its display URL, exactly), else None."""
    for prefix in (IDENTITY_BASE, api_base_url.rstrip("/") + DISPLAY_PREFIX):
        if url.startswith(prefix):
            return by_file(url[len(prefix) :])
    return None

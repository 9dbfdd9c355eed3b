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

"""The demo catalogue: what the manifest says is what the files are, and every file is usable."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageStat

import describe_it.images.demo as demo
from describe_it.images.demo import load_demo_images
from describe_it.images.normalize import SourceImage, normalize_for_model

FOLDER = Path(demo.__file__).parent


def test_twelve_small_jpegs_matching_their_manifest() -> None:
    images = load_demo_images()

    assert len(images) == 12
    assert len({image.id for image in images}) == 12
    assert {image.file for image in images} == {path.name for path in FOLDER.glob("*.jpg")}
    for image in images:
        assert image.id.startswith("demo-")
        assert len(image.data) <= 40 * 1024, image.file
        decoded = Image.open(io.BytesIO(image.data))
        assert (decoded.format, decoded.mode) == ("JPEG", "RGB")
        assert decoded.size == (image.width, image.height)
        assert image.content_type == "image/jpeg"
        assert re.fullmatch(r"#[0-9a-f]{6}", image.color)
        mean = ImageStat.Stat(decoded).mean
        assert all(abs(int(image.color[1 + 2 * i : 3 + 2 * i], 16) - mean[i]) <= 8 for i in range(3))


def test_every_entry_is_described_in_both_languages() -> None:
    for image in load_demo_images():
        assert image.alt_en.startswith("A drawing of ")
        assert image.alt_es.startswith("Un dibujo de ")
        assert image.description_en.startswith("A simple illustration")
        assert image.description_es.startswith("Una ilustración sencilla")
        assert len(image.tags) >= 4
        assert (image.photographer, image.license) == ("Describe It demo", "CC0-1.0")


def test_demo_images_go_through_normalisation_unchanged_in_size() -> None:
    image = load_demo_images()[0]
    result = normalize_for_model(SourceImage(image.data, "image/jpeg"))
    assert (result.width, result.height, result.resized) == (image.width, image.height, False)

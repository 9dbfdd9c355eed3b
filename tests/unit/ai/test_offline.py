"""The offline provider: deterministic, labelled, composed from the catalogue's facts in both
languages, one pattern per style, never over maxLength, honest when it knows nothing."""

from __future__ import annotations

import io
import time

import pytest

from describe_it.ai.errors import ProviderNotConfigured
from describe_it.ai.offline import OfflineProvider
from describe_it.ai.provider import (
    LANGUAGES,
    STYLES,
    Deadline,
    DescribeRequest,
    ImageFacts,
    ImageInput,
    JsonRequest,
    Language,
    Style,
)
from describe_it.ai.text import word_count
from describe_it.images.demo import DemoImage, load_demo_images
from describe_it.models import ApiModel

DEADLINE = Deadline(time.time() + 60)


def demo(image_id: str) -> DemoImage:
    return next(image for image in load_demo_images() if image.id == image_id)


def facts_of(image: DemoImage) -> ImageFacts:
    return ImageFacts(
        alt={"en": image.alt_en, "es": image.alt_es},
        description={"en": image.description_en, "es": image.description_es},
        tags=image.tags,
        color=image.color,
        width=image.width,
        height=image.height,
    )


def describe(
    image: DemoImage,
    language: Language,
    style: Style = "narrativo",
    max_length: int = 300,
    facts: bool = True,
) -> str:
    request = DescribeRequest(
        image=ImageInput(image.data, image.content_type, facts_of(image) if facts else None),
        language=language,
        style=style,
        max_length=max_length,
    )
    described = OfflineProvider().describe_image(request, DEADLINE)
    assert (described.provider, described.model, described.language) == ("offline", "offline", language)
    assert described.usage.total_tokens == 0
    assert described.word_count == word_count(described.content) <= max_length
    return described.content


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("style", STYLES)
def test_every_style_and_language_is_composed_from_the_catalogue(language: Language, style: Style) -> None:
    beach = demo("demo-beach")

    text = describe(beach, language, style)

    description = beach.description_en if language == "en" else beach.description_es
    assert description in text  # the catalogue's own words, in the asked language
    other = beach.description_es if language == "en" else beach.description_en
    assert other not in text


def test_it_is_deterministic() -> None:
    cat = demo("demo-black-cat")
    assert describe(cat, "es", "poetico") == describe(cat, "es", "poetico")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_style_has_its_own_pattern(language: Language) -> None:
    house = demo("demo-red-house")
    assert len({describe(house, language, style) for style in STYLES}) == len(STYLES)


def test_colour_size_and_keywords_come_from_the_facts() -> None:
    beach = demo("demo-beach")  # #97b7c5, 800 × 600
    english = describe(beach, "en", "tecnico")
    spanish = describe(beach, "es", "tecnico")
    assert "light blue (#97b7c5)" in english and "landscape, 800 × 600 px" in english
    assert "azul claro (#97b7c5)" in spanish and "horizontal, 800 × 600 px" in spanish
    assert "beach, sun, sea" in english


def test_max_length_is_a_ceiling() -> None:
    text = describe(demo("demo-beach"), "es", "academico", max_length=50)
    assert word_count(text) <= 50


def test_an_image_the_catalogue_does_not_know_gets_only_measurements_said_plainly() -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 600), (200, 30, 30)).save(out, "JPEG")
    unknown = DemoImage("x", "x.jpg", "image/jpeg", 0, 0, "", "", "", "", "", (), "", "", out.getvalue())

    english = describe(unknown, "en", "poetico", facts=False)
    spanish = describe(unknown, "es", "poetico", facts=False)

    assert english.startswith("It is a portrait image of 300 × 600 pixels, mostly red.")
    assert "cannot see what this picture shows" in english
    assert spanish.startswith(
        "Es una imagen en formato vertical de 300 × 600 píxeles, sobre todo de color rojo."
    )
    assert "no puede ver lo que muestra esta imagen" in spanish


def test_it_cannot_answer_free_prompts() -> None:
    class Answer(ApiModel):
        text: str

    request = JsonRequest(task="qa", system="s", prompt="p", output=Answer, max_tokens=100)
    with pytest.raises(ProviderNotConfigured) as raised:
        OfflineProvider().generate_json(request, DEADLINE)
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"]

"""The offline provider: ``make run`` without an Anthropic key, and tests that need no fake API.

What it can do: describe an image **from what the catalogue knows about it** — its alt text and
description (in English and Spanish: the demo catalogue has both), its keywords, its average colour
and its size — in one sentence pattern per style, in either language, at most ``max_length`` words.
The same input always gives the same text, and every answer is labelled ``provider: "offline"``.

What it cannot do: look at the picture. An image the catalogue knows nothing about gets only what can
be measured (shape, size, dominant colour) and a sentence saying so. It cannot write longer texts
than its facts allow (``max_length`` is a ceiling, never a target), and it cannot answer free prompts:
``generate_json`` raises ``ProviderNotConfigured`` (503); Q&A, phrases and translation never ask it and
use the language toolkit instead (``describe_it.textai.engine`` decides). It never exists in AWS (``STAGE=aws``): there, no key
means 503 (``describe_it.ai.factory``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from describe_it.ai.errors import ProviderNotConfigured
from describe_it.ai.provider import (
    Deadline,
    DescribeRequest,
    Description,
    ImageFacts,
    ImageInput,
    JsonAnswer,
    JsonRequest,
    Language,
    M,
    ProviderName,
    Style,
)
from describe_it.ai.text import trim_to_words
from describe_it.ai.usage import Usage, record

MODEL = "offline"

# (English, Spanish, RGB): the nearest one names an image's average colour.
_PALETTE: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("black", "negro", (20, 20, 20)),
    ("white", "blanco", (245, 245, 245)),
    ("grey", "gris", (128, 128, 128)),
    ("light grey", "gris claro", (192, 192, 192)),
    ("red", "rojo", (200, 30, 30)),
    ("dark red", "rojo oscuro", (120, 20, 20)),
    ("orange", "naranja", (240, 140, 30)),
    ("yellow", "amarillo", (240, 220, 40)),
    ("brown", "marrón", (130, 80, 40)),
    ("beige", "beis", (220, 200, 160)),
    ("green", "verde", (40, 160, 60)),
    ("dark green", "verde oscuro", (20, 90, 40)),
    ("light green", "verde claro", (150, 210, 130)),
    ("blue", "azul", (40, 80, 200)),
    ("light blue", "azul claro", (150, 190, 220)),
    ("dark blue", "azul oscuro", (20, 30, 100)),
    ("turquoise", "turquesa", (60, 190, 190)),
    ("purple", "morado", (120, 50, 150)),
    ("pink", "rosa", (240, 150, 190)),
)
_ORIENTATION = {
    "en": {"landscape": "landscape", "portrait": "portrait", "square": "square"},
    "es": {"landscape": "horizontal", "portrait": "vertical", "square": "cuadrado"},
}


@dataclass(frozen=True)
class _Facts:
    """What one text is composed from, in one language."""

    subject: str | None  # the alt text, without its final full stop
    details: str | None  # the catalogue description, a full sentence
    colour: str | None  # a colour name in the language
    hex: str | None
    orientation: str | None
    size: str | None  # "800 × 600"
    keywords: str | None


class OfflineProvider:
    @property
    def name(self) -> ProviderName:
        return "offline"

    @property
    def model(self) -> str:
        return MODEL

    def describe_image(self, request: DescribeRequest, deadline: Deadline) -> Description:
        facts = _facts(request.image, request.language)
        text = _compose(request.language, request.style, facts)
        content, count, truncated = trim_to_words(text, request.max_length)
        record(
            task="describe",
            provider="offline",
            model=MODEL,
            key_source="none",
            usage=Usage(),
            attempts=1,
            outcome="composed",
            latency_ms=0.0,
        )
        return Description(
            language=request.language,
            content=content,
            word_count=count,
            provider="offline",
            model=MODEL,
            usage=Usage(),
            truncated=truncated,
        )

    def generate_json(self, request: JsonRequest[M], deadline: Deadline) -> JsonAnswer[M]:
        raise ProviderNotConfigured(
            "This feature needs an Anthropic API key: the offline mode cannot answer it", retry_after=300
        )


# --- facts -----------------------------------------------------------------------------------------


def _facts(image: ImageInput, language: Language) -> _Facts:
    known = image.facts or ImageFacts()
    measured_size, measured_rgb = _measure(image.data)
    width = known.width or (measured_size[0] if measured_size else None)
    height = known.height or (measured_size[1] if measured_size else None)
    rgb = _parse_hex(known.color) if known.color else measured_rgb
    colour = _colour_name(rgb, language) if rgb else None
    subject = (known.alt.get(language) or "").strip().rstrip(".") or None
    details = (known.description.get(language) or "").strip() or None
    if details and details[-1] not in ".!?…":
        details += "."
    return _Facts(
        subject=subject,
        details=details,
        colour=colour,
        hex="#{:02x}{:02x}{:02x}".format(*rgb) if rgb else None,
        orientation=_orientation(width, height, language),
        size=f"{width} × {height}" if width and height else None,
        keywords=", ".join(known.tags) if known.tags else None,
    )


def _measure(data: bytes) -> tuple[tuple[int, int] | None, tuple[int, int, int] | None]:
    """Size and average colour of the pixels (Pillow, imported here only); None where unreadable."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            pixel = image.convert("RGB").reduce(max(1, max(size) // 64)).resize((1, 1), Image.Resampling.BOX)
            r, g, b = pixel.getpixel((0, 0))  # type: ignore[misc]
            return size, (int(r), int(g), int(b))
    except Exception:  # not decodable: the text does without the measurements
        return None, None


def _parse_hex(value: str) -> tuple[int, int, int] | None:
    text = value.strip().lstrip("#")
    if len(text) != 6:
        return None
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return None


def _colour_name(rgb: tuple[int, int, int], language: Language) -> str:
    def distance(entry: tuple[str, str, tuple[int, int, int]]) -> int:
        return sum((a - b) ** 2 for a, b in zip(entry[2], rgb, strict=True))

    english, spanish, _ = min(_PALETTE, key=distance)
    return english if language == "en" else spanish


def _orientation(width: int | None, height: int | None, language: Language) -> str | None:
    if not width or not height:
        return None
    ratio = width / height
    kind = "square" if 0.9 <= ratio <= 1.1 else "landscape" if ratio > 1 else "portrait"
    return _ORIENTATION[language][kind]


# --- one sentence pattern per style and language ---------------------------------------------------


def _join(*sentences: str | None) -> str:
    return " ".join(s for s in sentences if s)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    """ "A drawing of…" → "a drawing of…", to follow a colon; an acronym ("UNESCO …") stays."""
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def _maybe(template: str, **values: str | None) -> str | None:
    """``template`` filled in, or None if one of its values is unknown."""
    if any(value is None for value in values.values()):
        return None
    return template.format(**values)


_Pattern = Callable[[_Facts], str]

_EN: dict[Style, _Pattern] = {
    "narrativo": lambda f: _join(
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe("The picture is {o}, and {c} tones set its mood.", o=f.orientation, c=f.colour),
    ),
    "poetico": lambda f: _join(
        _maybe("{s}, still and quiet, as if time had paused.", s=f.subject),
        f.details,
        _maybe("Shades of {c} drift across the frame like a soft song.", c=f.colour),
    ),
    "academico": lambda f: _join(
        _maybe("The image presents {s}.", s=_low(f.subject) if f.subject else None),
        f.details,
        _maybe(
            "It is a {o} composition of {z} pixels, in which {c} tones predominate.",
            o=f.orientation,
            z=f.size,
            c=f.colour,
        ),
        _maybe("Catalogue keywords: {k}.", k=f.keywords),
    ),
    "conversacional": lambda f: _join(
        "So, what do we have here?",
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe("It's a {o} picture, and {c} is the colour you notice most.", o=f.orientation, c=f.colour),
    ),
    "infantil": lambda f: _join(
        "Look!",
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe("There is a lot of {c} in this picture. Can you find it?", c=f.colour),
    ),
    "creativo": lambda f: _join(
        _maybe("Imagine stepping into this picture: {s}.", s=_low(f.subject) if f.subject else None),
        f.details,
        _maybe("Everything is bathed in {c}.", c=f.colour),
        "What might happen next?",
    ),
    "tecnico": lambda f: _join(
        _maybe("Subject: {s}.", s=_low(f.subject) if f.subject else None),
        _maybe("Details: {d}", d=f.details),
        _maybe("Format: {o}, {z} px.", o=f.orientation, z=f.size),
        _maybe("Dominant colour: {c} ({h}).", c=f.colour, h=f.hex),
        _maybe("Keywords: {k}.", k=f.keywords),
    ),
}

_ES: dict[Style, _Pattern] = {
    "narrativo": lambda f: _join(
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe("La imagen es {o}, y los tonos de {c} marcan su ambiente.", o=f.orientation, c=f.colour),
    ),
    "poetico": lambda f: _join(
        _maybe("{s}, quieto y en silencio, como si el tiempo se hubiera detenido.", s=f.subject),
        f.details,
        _maybe("Los matices de {c} recorren la imagen como una canción suave.", c=f.colour),
    ),
    "academico": lambda f: _join(
        _maybe("La imagen presenta {s}.", s=_low(f.subject) if f.subject else None),
        f.details,
        _maybe(
            "Se trata de una composición en formato {o} de {z} píxeles en la que predominan los tonos de {c}.",
            o=f.orientation,
            z=f.size,
            c=f.colour,
        ),
        _maybe("Palabras clave del catálogo: {k}.", k=f.keywords),
    ),
    "conversacional": lambda f: _join(
        "A ver, ¿qué tenemos aquí?",
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe(
            "Es una imagen en formato {o}, y el color que más se nota es el {c}.", o=f.orientation, c=f.colour
        ),
    ),
    "infantil": lambda f: _join(
        "¡Mira!",
        _maybe("{s}.", s=f.subject),
        f.details,
        _maybe("En esta imagen hay mucho {c}. ¿Lo encuentras?", c=f.colour),
    ),
    "creativo": lambda f: _join(
        _maybe("Imagina que entras en esta imagen: {s}.", s=_low(f.subject) if f.subject else None),
        f.details,
        _maybe("Todo está bañado de {c}.", c=f.colour),
        "¿Qué pasará después?",
    ),
    "tecnico": lambda f: _join(
        _maybe("Tema: {s}.", s=_low(f.subject) if f.subject else None),
        _maybe("Detalles: {d}", d=f.details),
        _maybe("Formato: {o}, {z} px.", o=f.orientation, z=f.size),
        _maybe("Color dominante: {c} ({h}).", c=f.colour, h=f.hex),
        _maybe("Palabras clave: {k}.", k=f.keywords),
    ),
}

# Without catalogue facts only measurements are known: said plainly, in every style.
_UNKNOWN = {
    "en": (
        "Offline mode: without an AI model, Describe It cannot see what this picture shows, only measure it."
    ),
    "es": (
        "Modo sin conexión: sin un modelo de IA, Describe It no puede ver lo que muestra esta imagen, "
        "solo medirla."
    ),
}
_MEASURED = {
    "en": "It is a {o} image of {z} pixels, mostly {c}.",
    "es": "Es una imagen en formato {o} de {z} píxeles, sobre todo de color {c}.",
}


def _compose(language: Language, style: Style, facts: _Facts) -> str:
    if facts.subject is None and facts.details is None:
        measured = _maybe(_MEASURED[language], o=facts.orientation, z=facts.size, c=facts.colour)
        return _join(measured, _UNKNOWN[language])
    patterns = _EN if language == "en" else _ES
    return _cap(patterns[style](facts))

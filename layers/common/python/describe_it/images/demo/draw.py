"""Draws the demo catalogue: simple scenes made of shapes, CC0 by construction (nobody's photograph).

Run ``python -m describe_it.images.demo.draw`` to regenerate the JPEGs and ``manifest.json`` beside
this file. The alt texts and descriptions below say what each drawing shows, and nothing more.
Development tool only: nothing at run time imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageStat

WIDTH, HEIGHT = 800, 600
SCALE = 2  # drawn at twice the size, then downscaled: smooth edges without an anti-aliasing API
MAX_BYTES = 40 * 1024
HERE = Path(__file__).parent

Box = tuple[float, float, float, float]


class Canvas:
    """Coordinates in 0–1 of the picture, so the scenes read like a sketch."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)

    def _box(self, box: Box) -> list[float]:
        w, h = self.image.size
        return [box[0] * w, box[1] * h, box[2] * w, box[3] * h]

    def _points(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        w, h = self.image.size
        return [(x * w, y * h) for x, y in points]

    def gradient(self, top: float, bottom: float, start: str, end: str) -> None:
        a, b = ImageColor.getrgb(start), ImageColor.getrgb(end)
        y0, y1 = int(top * self.image.height), int(bottom * self.image.height)
        for y in range(y0, y1):
            t = (y - y0) / max(1, y1 - y0)
            color = tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))
            self.draw.line([(0, y), (self.image.width, y)], fill=color)

    def rect(self, box: Box, fill: str, outline: str | None = None) -> None:
        self.draw.rectangle(self._box(box), fill=fill, outline=outline, width=4 * SCALE)

    def ellipse(self, box: Box, fill: str) -> None:
        self.draw.ellipse(self._box(box), fill=fill)

    def polygon(self, points: list[tuple[float, float]], fill: str) -> None:
        self.draw.polygon(self._points(points), fill=fill)

    def line(self, points: list[tuple[float, float]], fill: str, width: int) -> None:
        self.draw.line(self._points(points), fill=fill, width=width * SCALE)

    def arc(self, box: Box, start: float, end: float, fill: str, width: int) -> None:
        self.draw.arc(self._box(box), start, end, fill=fill, width=width * SCALE)

    def circle(self, x: float, y: float, r: float, fill: str) -> None:
        """A circle of radius ``r`` (a fraction of the height) centred on (x, y)."""
        rx = r * self.image.height / self.image.width
        self.ellipse((x - rx, y - r, x + rx, y + r), fill)

    def finish(self) -> Image.Image:
        return self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def beach(c: Canvas) -> None:
    c.gradient(0, 0.55, "#4a90d9", "#bfe3f7")
    c.circle(0.78, 0.18, 0.09, "#ffd23f")
    c.rect((0, 0.55, 1, 0.72), "#1f6fa8")
    c.rect((0, 0.72, 1, 1), "#f0d9a0")
    c.line([(0.25, 0.95), (0.25, 0.62)], "#6b4a2b", 6)
    c.polygon([(0.12, 0.66), (0.25, 0.56), (0.38, 0.66)], "#e63946")
    c.polygon([(0.19, 0.66), (0.25, 0.56), (0.31, 0.66)], "#ffffff")


def red_house(c: Canvas) -> None:
    c.gradient(0, 0.7, "#6fb1e6", "#d6ecfa")
    c.rect((0, 0.7, 1, 1), "#5fa83c")
    c.rect((0.3, 0.42, 0.7, 0.8), "#c0392b")
    c.polygon([(0.26, 0.43), (0.5, 0.2), (0.74, 0.43)], "#6b3e26")
    c.rect((0.45, 0.6, 0.55, 0.8), "#5a3620")
    c.rect((0.35, 0.5, 0.42, 0.6), "#fdf6c3", "#ffffff")
    c.rect((0.58, 0.5, 0.65, 0.6), "#fdf6c3", "#ffffff")


def black_cat(c: Canvas) -> None:
    c.rect((0, 0, 1, 0.75), "#f4a259")
    c.rect((0, 0.75, 1, 1), "#9c6b3f")
    c.ellipse((0.38, 0.42, 0.62, 0.86), "#1b1b1b")  # body
    c.circle(0.5, 0.36, 0.1, "#1b1b1b")  # head
    c.polygon([(0.44, 0.32), (0.45, 0.18), (0.49, 0.28)], "#1b1b1b")
    c.polygon([(0.51, 0.28), (0.55, 0.18), (0.56, 0.32)], "#1b1b1b")
    c.arc((0.5, 0.6, 0.74, 0.86), 300, 90, "#1b1b1b", 24)  # tail, curled up beside the body
    c.circle(0.47, 0.35, 0.012, "#9be15d")
    c.circle(0.53, 0.35, 0.012, "#9be15d")


def mountains(c: Canvas) -> None:
    c.gradient(0, 0.75, "#a7c7e7", "#eef5fb")
    c.polygon([(0, 0.75), (0.28, 0.25), (0.55, 0.75)], "#7d8597")
    c.polygon([(0.35, 0.75), (0.68, 0.15), (1, 0.75)], "#5c677d")
    c.polygon([(0.2, 0.4), (0.28, 0.25), (0.36, 0.4)], "#ffffff")
    c.polygon([(0.59, 0.31), (0.68, 0.15), (0.77, 0.31)], "#ffffff")
    c.rect((0, 0.72, 1, 1), "#6a994e")


def night_moon(c: Canvas) -> None:
    c.gradient(0, 1, "#0b1d3a", "#23395d")
    c.circle(0.75, 0.22, 0.1, "#f5f3ce")
    c.circle(0.79, 0.19, 0.09, "#0e2142")  # the shadow that makes a crescent
    for x, y in [(0.1, 0.1), (0.25, 0.3), (0.4, 0.12), (0.55, 0.35), (0.2, 0.5), (0.9, 0.45), (0.6, 0.08)]:
        c.circle(x, y, 0.008, "#ffffff")
    c.polygon([(0, 0.85), (0.3, 0.7), (0.6, 0.82), (1, 0.68), (1, 1), (0, 1)], "#10161f")


def apple_tree(c: Canvas) -> None:
    c.gradient(0, 0.75, "#87ceeb", "#e0f4ff")
    c.rect((0, 0.75, 1, 1), "#4f9d2d")
    c.rect((0.46, 0.5, 0.54, 0.85), "#7a4b24")
    c.circle(0.5, 0.38, 0.24, "#2d7d32")
    for x, y in [(0.42, 0.3), (0.55, 0.25), (0.6, 0.42), (0.45, 0.48), (0.52, 0.36), (0.38, 0.4)]:
        c.circle(x, y, 0.025, "#d62828")


def sailboat(c: Canvas) -> None:
    c.gradient(0, 0.55, "#9ad0f5", "#f2fbff")
    c.polygon([(0, 0.6), (0.25, 0.45), (0.5, 0.58), (0.8, 0.42), (1, 0.55), (1, 0.6)], "#7fa66a")
    c.rect((0, 0.58, 1, 1), "#2e86c1")
    c.polygon([(0.35, 0.72), (0.65, 0.72), (0.6, 0.8), (0.4, 0.8)], "#8b5a2b")  # hull
    c.line([(0.5, 0.72), (0.5, 0.35)], "#4d3319", 4)
    c.polygon([(0.51, 0.37), (0.51, 0.7), (0.64, 0.7)], "#ffffff")


def yellow_flower(c: Canvas) -> None:
    c.rect((0, 0, 1, 0.78), "#e9e4f5")
    c.rect((0, 0.78, 1, 1), "#b08968")  # table
    c.polygon([(0.4, 0.62), (0.6, 0.62), (0.57, 0.8), (0.43, 0.8)], "#c8553d")  # pot
    c.line([(0.5, 0.62), (0.5, 0.32)], "#3a7d44", 6)
    c.ellipse((0.5, 0.45, 0.6, 0.5), "#3a7d44")  # leaf
    for x, y in [(0.5, 0.22), (0.5, 0.36), (0.45, 0.29), (0.55, 0.29)]:
        c.circle(x, y, 0.06, "#ffd60a")
    c.circle(0.5, 0.29, 0.05, "#9c6644")


def city_sunset(c: Canvas) -> None:
    c.gradient(0, 0.85, "#ff7b00", "#ffd29d")
    c.circle(0.5, 0.62, 0.12, "#ffea8a")
    for left, top, right in [
        (0.02, 0.45, 0.16),
        (0.18, 0.3, 0.3),
        (0.32, 0.5, 0.44),
        (0.56, 0.35, 0.68),
        (0.7, 0.55, 0.82),
        (0.84, 0.4, 0.98),
    ]:
        c.rect((left, top, right, 0.85), "#2b2d42")
        for row in range(int((0.8 - top) / 0.07)):
            y = top + 0.04 + row * 0.07
            c.rect((left + 0.02, y, left + 0.05, y + 0.03), "#f6d365")
    c.rect((0, 0.85, 1, 1), "#1d1e2c")


def fruit_bowl(c: Canvas) -> None:
    c.rect((0, 0, 1, 0.7), "#f1faee")
    c.rect((0, 0.7, 1, 1), "#a8dadc")
    c.circle(0.42, 0.5, 0.1, "#f77f00")  # orange
    c.circle(0.58, 0.5, 0.1, "#c1121f")  # apple
    c.arc((0.34, 0.34, 0.66, 0.62), 200, 340, "#ffd23f", 30)  # banana, resting on the other two
    c.polygon([(0.28, 0.55), (0.72, 0.55), (0.64, 0.72), (0.36, 0.72)], "#1d3557")  # bowl


def red_umbrella(c: Canvas) -> None:
    c.gradient(0, 1, "#6c757d", "#adb5bd")
    for i in range(40):
        x, y = (i * 0.137) % 1, (i * 0.211) % 0.9
        c.line([(x, y), (x - 0.01, y + 0.05)], "#dee2e6", 2)
    c.polygon([(0.3, 0.45), (0.5, 0.25), (0.7, 0.45)], "#d00000")
    c.line([(0.5, 0.45), (0.5, 0.75), (0.46, 0.78)], "#212529", 5)
    c.rect((0, 0.85, 1, 1), "#495057")


def blue_car(c: Canvas) -> None:
    c.gradient(0, 0.6, "#8ecae6", "#e3f2fd")
    c.rect((0, 0.6, 1, 1), "#555b6e")
    c.rect((0, 0.79, 1, 0.81), "#ffd166")
    c.rect((0.25, 0.5, 0.75, 0.68), "#1565c0")
    c.polygon([(0.35, 0.5), (0.42, 0.38), (0.6, 0.38), (0.67, 0.5)], "#1565c0")
    c.polygon([(0.39, 0.5), (0.44, 0.41), (0.58, 0.41), (0.63, 0.5)], "#bde0fe")  # windows
    c.circle(0.35, 0.69, 0.06, "#1b1b1b")
    c.circle(0.65, 0.69, 0.06, "#1b1b1b")


@dataclass(frozen=True)
class Scene:
    id: str
    draw: Callable[[Canvas], None]
    alt_en: str
    alt_es: str
    description_en: str
    description_es: str
    tags: tuple[str, ...]


SCENES = (
    Scene(
        "demo-beach",
        beach,
        "A drawing of a beach with a yellow sun, a blue sea and a red and white umbrella on the sand",
        "Un dibujo de una playa con un sol amarillo, un mar azul y una sombrilla roja y blanca en la arena",
        "A simple illustration: a light blue sky with a round yellow sun at the top right, a band of dark blue sea, yellow sand below and a red and white beach umbrella on a brown pole.",
        "Una ilustración sencilla: un cielo azul claro con un sol amarillo y redondo arriba a la derecha, una franja de mar azul oscuro, arena amarilla abajo y una sombrilla roja y blanca sobre un palo marrón.",
        ("beach", "sun", "sea", "umbrella", "summer", "playa", "sol", "mar", "sombrilla", "verano"),
    ),
    Scene(
        "demo-red-house",
        red_house,
        "A drawing of a red house with a brown roof, a door and two windows on green grass",
        "Un dibujo de una casa roja con el tejado marrón, una puerta y dos ventanas sobre la hierba verde",
        "A simple illustration of a red house with a triangular brown roof, a brown door in the middle and two pale yellow windows, standing on green grass under a blue sky.",
        "Una ilustración sencilla de una casa roja con un tejado marrón en forma de triángulo, una puerta marrón en el centro y dos ventanas amarillo pálido, sobre la hierba verde bajo un cielo azul.",
        ("house", "home", "roof", "grass", "casa", "hogar", "tejado", "hierba"),
    ),
    Scene(
        "demo-black-cat",
        black_cat,
        "A drawing of a black cat sitting on a wooden floor in front of an orange wall",
        "Un dibujo de un gato negro sentado en un suelo de madera delante de una pared naranja",
        "A simple illustration of a black cat shape sitting and facing us, with pointed ears, small green eyes and its tail curled to one side, on a brown wooden floor against an orange wall.",
        "Una ilustración sencilla de la silueta de un gato negro sentado de frente, con las orejas puntiagudas, pequeños ojos verdes y la cola curvada hacia un lado, en un suelo de madera marrón delante de una pared naranja.",
        ("cat", "pet", "animal", "black", "gato", "mascota", "animal", "negro"),
    ),
    Scene(
        "demo-mountains",
        mountains,
        "A drawing of two grey mountains with snowy peaks above a green valley",
        "Un dibujo de dos montañas grises con las cimas nevadas sobre un valle verde",
        "A simple illustration of two grey mountains side by side, each with a white snowy peak, under a pale blue sky, with green grass at their feet.",
        "Una ilustración sencilla de dos montañas grises una al lado de la otra, cada una con la cima blanca y nevada, bajo un cielo azul pálido y con hierba verde a sus pies.",
        ("mountains", "snow", "valley", "landscape", "montañas", "nieve", "valle", "paisaje"),
    ),
    Scene(
        "demo-night-moon",
        night_moon,
        "A drawing of a night sky with a crescent moon and stars above dark hills",
        "Un dibujo de un cielo nocturno con una luna creciente y estrellas sobre unas colinas oscuras",
        "A simple illustration of a dark blue night sky with a pale yellow crescent moon at the top right, a few small white stars and the black outline of hills at the bottom.",
        "Una ilustración sencilla de un cielo nocturno azul oscuro con una luna creciente amarillo pálido arriba a la derecha, algunas estrellas blancas pequeñas y la silueta negra de unas colinas abajo.",
        ("night", "moon", "stars", "sky", "noche", "luna", "estrellas", "cielo"),
    ),
    Scene(
        "demo-apple-tree",
        apple_tree,
        "A drawing of a round green tree with red apples on green grass",
        "Un dibujo de un árbol verde y redondo con manzanas rojas sobre la hierba verde",
        "A simple illustration of a tree with a brown trunk and a round green top dotted with six red apples, standing on green grass under a light blue sky.",
        "Una ilustración sencilla de un árbol con el tronco marrón y la copa verde y redonda con seis manzanas rojas, sobre la hierba verde bajo un cielo azul claro.",
        ("tree", "apples", "fruit", "garden", "árbol", "manzanas", "fruta", "jardín"),
    ),
    Scene(
        "demo-sailboat",
        sailboat,
        "A drawing of a small sailboat with a white sail on a blue lake with green hills behind",
        "Un dibujo de un pequeño velero con una vela blanca en un lago azul con colinas verdes detrás",
        "A simple illustration of a small brown boat with a white triangular sail on calm blue water, with low green hills and a pale sky in the background.",
        "Una ilustración sencilla de un pequeño barco marrón con una vela blanca triangular en un agua azul y tranquila, con colinas verdes y bajas y un cielo pálido al fondo.",
        ("boat", "sail", "lake", "water", "barco", "vela", "lago", "agua"),
    ),
    Scene(
        "demo-yellow-flower",
        yellow_flower,
        "A drawing of a yellow flower in a terracotta pot on a wooden table",
        "Un dibujo de una flor amarilla en una maceta de barro sobre una mesa de madera",
        "A simple illustration of one yellow flower with a brown centre on a green stem with a leaf, growing in a reddish clay pot on a light brown table, against a pale lilac wall.",
        "Una ilustración sencilla de una flor amarilla con el centro marrón, en un tallo verde con una hoja, que crece en una maceta de barro rojiza sobre una mesa marrón claro, delante de una pared lila pálido.",
        ("flower", "pot", "plant", "yellow", "flor", "maceta", "planta", "amarillo"),
    ),
    Scene(
        "demo-city-sunset",
        city_sunset,
        "A drawing of dark city buildings with lit windows against an orange sunset sky",
        "Un dibujo de edificios oscuros de una ciudad con ventanas iluminadas contra un cielo naranja al atardecer",
        "A simple illustration of six dark buildings of different heights with small yellow lit windows, in front of an orange sky and a large pale yellow sun low on the horizon.",
        "Una ilustración sencilla de seis edificios oscuros de distintas alturas con pequeñas ventanas amarillas iluminadas, delante de un cielo naranja y un gran sol amarillo pálido bajo en el horizonte.",
        ("city", "buildings", "sunset", "evening", "ciudad", "edificios", "atardecer", "tarde"),
    ),
    Scene(
        "demo-fruit-bowl",
        fruit_bowl,
        "A drawing of an orange and a red apple in a dark blue bowl, with a banana on top",
        "Un dibujo de una naranja y una manzana roja en un cuenco azul oscuro, con un plátano encima",
        "A simple illustration of a dark blue bowl holding an orange and a red apple, with a curved yellow banana resting on top of them, on a light blue-green table in front of a white wall.",
        "Una ilustración sencilla de un cuenco azul oscuro con una naranja y una manzana roja, y un plátano amarillo y curvo apoyado encima de ellas, sobre una mesa verde azulado claro delante de una pared blanca.",
        ("fruit", "bowl", "orange", "apple", "banana", "fruta", "cuenco", "naranja", "manzana", "plátano"),
    ),
    Scene(
        "demo-red-umbrella",
        red_umbrella,
        "A drawing of a red umbrella in the rain under a grey sky",
        "Un dibujo de un paraguas rojo bajo la lluvia y un cielo gris",
        "A simple illustration of an open red umbrella with a black curved handle, with light grey streaks of rain falling from a grey sky onto a dark grey ground.",
        "Una ilustración sencilla de un paraguas rojo abierto con el mango negro y curvo, con rayas de lluvia gris claro que caen de un cielo gris sobre un suelo gris oscuro.",
        ("umbrella", "rain", "weather", "grey", "paraguas", "lluvia", "tiempo", "gris"),
    ),
    Scene(
        "demo-blue-car",
        blue_car,
        "A drawing of a blue car on a grey road with a yellow line",
        "Un dibujo de un coche azul en una carretera gris con una línea amarilla",
        "A simple illustration of a blue car seen from the side, with light blue windows and two black wheels, on a grey road with a yellow line under a light blue sky.",
        "Una ilustración sencilla de un coche azul visto de lado, con ventanas azul claro y dos ruedas negras, en una carretera gris con una línea amarilla bajo un cielo azul claro.",
        ("car", "road", "blue", "travel", "coche", "carretera", "azul", "viaje"),
    ),
)


def _hex(image: Image.Image) -> str:
    mean = ImageStat.Stat(image).mean
    return "#" + "".join(f"{round(v):02x}" for v in mean[:3])


def main() -> None:
    entries = []
    for scene in SCENES:
        canvas = Canvas()
        scene.draw(canvas)
        image = canvas.finish()
        name = scene.id.removeprefix("demo-") + ".jpg"
        for quality in (80, 72, 64, 56):
            image.save(HERE / name, "JPEG", quality=quality, optimize=True)
            if (HERE / name).stat().st_size <= MAX_BYTES:
                break
        else:
            raise SystemExit(f"{name} is larger than {MAX_BYTES} bytes")
        entries.append(
            {
                "id": scene.id,
                "file": name,
                "width": WIDTH,
                "height": HEIGHT,
                "color": _hex(image),
                "altDescription": {"en": scene.alt_en, "es": scene.alt_es},
                "description": {"en": scene.description_en, "es": scene.description_es},
                "tags": list(scene.tags),
                "photographer": "Describe It demo",
                "license": "CC0-1.0",
            }
        )
    text = json.dumps({"images": entries}, ensure_ascii=False, indent=2) + "\n"
    (HERE / "manifest.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

"""Word counts of saved descriptions: whitespace tokens that contain a letter (spec §5.1)."""

from __future__ import annotations

import pytest

from describe_it.descriptions.words import word_count


@pytest.mark.parametrize(
    ("text", "count"),
    [("Una casa roja.", 3), ("¿Qué? ¡Sí!", 2), ("Hay 3 gatos — y 2 perros", 4), ("", 0), ("  \n\t ", 0),
     ("el año 2025, más o menos", 5), ("well-known", 1), ("“Hola”, dijo.", 2), ("… — 42 %", 0)],
)  # fmt: skip
def test_word_count(text: str, count: int) -> None:
    assert word_count(text) == count

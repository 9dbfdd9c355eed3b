"""Sentence splitting and tokens: boundaries, and offsets that point back into the text."""

from __future__ import annotations

import pytest

from describe_it.language.detect import guess_language
from describe_it.language.sentences import split_sentences, tokenize


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hola. ¿Cómo estás? Bien, gracias.", ["Hola.", "¿Cómo estás?", "Bien, gracias."]),
        ("¡Qué bonito! ¿Verdad?", ["¡Qué bonito!", "¿Verdad?"]),
        (
            "El Sr. García vive aquí. Tiene 3.5 km de jardín.",
            ["El Sr. García vive aquí.", "Tiene 3.5 km de jardín."],
        ),
        ("Cuesta 1.000,50 euros. Es caro.", ["Cuesta 1.000,50 euros.", "Es caro."]),
        ("Dijo: «Ven aquí». Luego se fue.", ["Dijo: «Ven aquí».", "Luego se fue."]),
        ('Dijo: "Ven aquí." Luego se fue.', ['Dijo: "Ven aquí."', "Luego se fue."]),
        ("—¿Vienes? —preguntó ella. No contesté.", ["—¿Vienes? —preguntó ella.", "No contesté."]),
        ("¿Es esto... lo que quieres? Sí.", ["¿Es esto... lo que quieres?", "Sí."]),
        ("¿Viste al Dr. Pérez? No.", ["¿Viste al Dr. Pérez?", "No."]),
        ("Compré pan, leche, etc. y me fui.", ["Compré pan, leche, etc. y me fui."]),
        ("Lo escribió J. R. R. Tolkien. Fin", ["Lo escribió J. R. R. Tolkien.", "Fin"]),
        ("Hay frutas, p. ej. manzanas. Y peras.", ["Hay frutas, p. ej. manzanas.", "Y peras."]),
        ("Vive en EE. UU. desde 2010.", ["Vive en EE. UU. desde 2010."]),
        ("¿Vienes?, preguntó.", ["¿Vienes?, preguntó."]),
        ("Título\n\nEl texto sigue", ["Título", "El texto sigue"]),
        ("Un texto sin punto final", ["Un texto sin punto final"]),
        (
            "The cat sat. Mr. Smith saw it, e.g. Tom. Then...",
            ["The cat sat.", "Mr. Smith saw it, e.g. Tom.", "Then..."],
        ),
        ("Wait... What?! Yes.", ["Wait...", "What?!", "Yes."]),
        ("   \n ", []),
    ],
)
def test_sentence_boundaries(text: str, sentences: list[str]) -> None:
    assert [span.text for span in split_sentences(text)] == sentences


def test_every_sentence_is_a_verbatim_slice_of_the_text() -> None:
    text = "  Primera frase.\n\n  ¿Segunda?   ¡Tercera!  Cuarta con el Sr. Ruiz y 2.5 metros.  "
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip()


def test_tokens_carry_offsets_into_the_original_text() -> None:
    text = "El niño, ¿qué hace? Mide 3,5 m y dice: ¡no-sé!"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["El", "niño", "qué", "hace", "Mide", "3,5", "m", "y", "dice", "no-sé"]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.is_word for t in tokens].count(False) == 1


def test_tokens_of_a_sentence_point_into_the_whole_text() -> None:
    text = "Hola. Una casa roja."
    second = split_sentences(text)[1]
    tokens = tokenize(second.text, second.start)
    assert [text[t.start : t.end] for t in tokens] == ["Una", "casa", "roja"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("El perro está en la casa.", "es"),
        ("The dog is in the house.", "en"),
        ("Niño", "es"),
        ("A red car on the road", "en"),
    ],
)
def test_guess_language(text: str, language: str) -> None:
    assert guess_language(text) == language

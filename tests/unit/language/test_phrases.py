"""Offline phrase extraction: verbatim contexts, no duplicates, glossary-only translations, determinism."""

from __future__ import annotations

import pytest

from describe_it.language import glossary
from describe_it.language.phrases import CATEGORIES, offline_phrases

TEXTS = [
    "En la imagen se ve una casa roja al lado de un río tranquilo. Un niño lee un libro debajo de un árbol "
    "grande, mientras su perro negro duerme tranquilamente. El cielo está despejado y hace sol. "
    "¿Qué más hay? Unas montañas altas aparecen al fondo, y a la derecha caminan dos mujeres con sombrillas.",
    "La Sra. López vende frutas en el mercado: manzanas verdes, naranjas y 2.5 kg de uvas. "
    "«¡Qué caro!», dice un cliente. Ella sonríe y le da una bolsa de papel.",
    "Una casa. Otra casa. Una casa roja y otra casa roja.",
    "—¿Vienes a la playa? —preguntó Ana.\n\nLas olas rompen suavemente sobre la arena blanca.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_contexts_are_verbatim_and_phrases_occur_in_them(text: str) -> None:
    phrases = offline_phrases(text, "intermediate", 25)
    assert phrases
    for p in phrases:
        assert p.context in text
        assert p.phrase in p.context
        assert text[p.start : p.start + len(p.phrase)] == p.phrase
        assert p.category in CATEGORIES


@pytest.mark.parametrize("text", TEXTS)
def test_no_two_phrases_share_lemma_and_category(text: str) -> None:
    phrases = offline_phrases(text, "beginner", 25)
    keys = [(p.lemma, p.category) for p in phrases]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("text", TEXTS)
def test_phrases_are_in_order_of_appearance(text: str) -> None:
    starts = [p.start for p in offline_phrases(text, "advanced", 25)]
    assert starts == sorted(starts)


def test_translations_come_from_the_glossary_or_are_none() -> None:
    phrases = offline_phrases(TEXTS[0], "intermediate", 25)
    by_phrase = {p.phrase: p for p in phrases}
    assert by_phrase["casa"].translation == "house; home"
    assert by_phrase["casa roja"].translation == "red house"
    assert by_phrase["lee un libro"].translation == "reads a book"
    assert by_phrase["al lado de"].translation == "next to; beside"
    assert by_phrase["tranquilamente"].translation is None  # not in the glossary: no made-up string
    for p in phrases:
        if p.translation is not None and p.part_of_speech != "phrase":
            senses = {e.gloss for e in glossary.lookup(p.phrase) + glossary.lookup(p.lemma)}
            assert p.translation in senses


def test_notes_for_nouns_and_verbs() -> None:
    by_phrase = {p.phrase: p for p in offline_phrases(TEXTS[0], "intermediate", 25)}
    casa = by_phrase["casa"]
    assert (casa.part_of_speech, casa.gender, casa.article, casa.guessed) == ("noun", "femenino", "la", ())
    lee = by_phrase["lee"]
    assert (lee.lemma, lee.conjugation) == ("leer", "lee — presente, 3.ª persona singular de leer")
    duerme = by_phrase["duerme"]
    assert duerme.conjugation is not None and duerme.conjugation.endswith("(probable)")
    assert "conjugation" in duerme.guessed
    arbol = by_phrase["árbol"]  # not in the glossary: gender from "un árbol", marked as a guess
    assert (arbol.gender, arbol.article) == ("masculino", "el")
    assert {"gender", "article"} <= set(arbol.guessed)


def test_copulas_trivial_adverbs_names_and_expression_words_are_left_out() -> None:
    words = {p.phrase.casefold() for p in offline_phrases(TEXTS[0] + " Lo dice María.", "beginner", 25)}
    assert not words & {"se", "está", "hay", "más", "debajo", "maría"}


def test_categories_and_max_phrases_are_honoured() -> None:
    only_nouns = offline_phrases(TEXTS[0], "intermediate", 25, ["sustantivos"])
    assert only_nouns and {p.category for p in only_nouns} == {"sustantivos"}
    assert len(offline_phrases(TEXTS[0], "intermediate", 3)) == 3
    few = offline_phrases(TEXTS[0], "intermediate", 5)
    assert len({p.category for p in few}) == 5  # the categories take turns


def test_target_level_picks_the_closest_words_first() -> None:
    text = "Una casa grande junto a un arroyo cristalino bajo un cielo plomizo."
    beginner = {p.phrase for p in offline_phrases(text, "beginner", 1, ["sustantivos"])}
    advanced = {p.phrase for p in offline_phrases(text, "advanced", 1, ["sustantivos"])}
    assert beginner == {"casa"}
    assert advanced == {"arroyo"}


def test_repeated_phrases_keep_their_first_occurrence() -> None:
    phrases = offline_phrases(TEXTS[2], "beginner", 25)
    casas = [p for p in phrases if p.lemma == "casa" and p.category == "sustantivos"]
    assert len(casas) == 1 and casas[0].start == TEXTS[2].index("casa")


@pytest.mark.parametrize("text", TEXTS)
def test_same_input_same_output(text: str) -> None:
    assert offline_phrases(text, "intermediate", 15) == offline_phrases(text, "intermediate", 15)

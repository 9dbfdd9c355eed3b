"""Glossary translation: every text covered, or a typed "not covered" — never a placeholder."""

from __future__ import annotations

from describe_it.language.translate import Covered, NotCovered, offline_translate


def test_every_text_in_the_glossary_is_translated_in_order() -> None:
    result = offline_translate(["casa", "Perro", "por favor"], "es", "en")
    assert result == Covered(("house", "Dog", "please"), "es", "en")


def test_english_to_spanish() -> None:
    assert offline_translate(["house", "to be"], "en", "es") == Covered(("casa", "ser"), "en", "es")


def test_one_unknown_text_means_nothing_is_translated() -> None:
    result = offline_translate(["casa", "el perro duerme", "xyzzy"], "es", "en")
    assert result == NotCovered((1, 2), "es", "en")


def test_auto_source_is_the_other_language_of_the_pair() -> None:
    assert offline_translate(["casa"], "auto", "en") == Covered(("house",), "es", "en")
    assert offline_translate(["house"], "auto", "es") == Covered(("casa",), "en", "es")


def test_pairs_outside_es_en_and_empty_batches_are_not_covered() -> None:
    assert isinstance(offline_translate(["casa"], "es", "fr"), NotCovered)
    assert isinstance(offline_translate(["maison"], "fr", "en"), NotCovered)
    assert offline_translate([], "es", "en") == NotCovered((), "es", "en")

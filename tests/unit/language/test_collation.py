"""Spanish collation (spec §7): accents and case ignored first, ñ after n, then accents, then case."""

from __future__ import annotations

import pytest

from describe_it.language.collation import collation_key, sort_key, sorted_by_phrase, spanish_sorted


def test_a_list_with_accents_enye_capitals_and_articles_sorts_like_a_dictionary() -> None:
    phrases = [
        "la Ñandú",
        "Oso",
        "el nudo",
        "Árbol",
        "una nube",
        "papá",
        "Papa",
        "papa",
        "los Años",
        "anillo",
        "el año",
        "Zorro",
        "ñu",
        "niño",
        "nínive",
        "Mañana",
        "de la mañana",
        "mano",
    ]

    assert sorted_by_phrase(phrases, phrase=str) == [
        "anillo",
        "el año",
        "los Años",
        "Árbol",
        "mano",
        "de la mañana",
        "Mañana",
        "nínive",
        "niño",
        "una nube",
        "el nudo",
        "la Ñandú",
        "ñu",
        "Oso",
        "papa",
        "Papa",
        "papá",
        "Zorro",
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("nz", "ña"),  # ñ is a letter after every n-sequence
        ("ñz", "o"),  # and before o
        ("canoa", "caña"),
        ("cana", "caña"),
        ("papa", "papá"),  # accents break ties
        ("papa", "Papa"),  # then case, lower case first
        ("Papa", "papá"),  # an accent outweighs a capital
        ("Ángel", "bote"),  # accents are ignored at first
        ("arbol", "Árbol"),
        ("a veces", "abeja"),  # a space sorts before letters
    ],
)
def test_pairs_in_order(before: str, after: str) -> None:
    assert collation_key(before) < collation_key(after)
    assert spanish_sorted([after, before], key=str) == [before, after]


@pytest.mark.parametrize(
    ("phrase", "key"),
    [
        ("La Casa", "casa"),
        ("el perro negro", "perro negro"),
        ("de la mañana", "mañana"),
        ("a la derecha", "derecha"),
        ("  «Los Árboles»  ", "árboles"),
        ("sobre", "sobre"),  # a phrase that is only such a word keeps it
        ("casa", "casa"),
        ("Sí", "sí"),
    ],
)
def test_sort_key_drops_leading_articles_and_prepositions_and_case_folds(phrase: str, key: str) -> None:
    assert sort_key(phrase) == key

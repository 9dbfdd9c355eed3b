"""Spanish collation and the ``sortKey`` of extracted phrases (spec §7).

Letters are compared ignoring accents and case first, with ``ñ`` a letter of its own between ``n`` and
``o``; ties are broken by accents (unaccented first), then by case (lower case first) — the order of a
Spanish dictionary: *nube < nudo < ñandú < oso*, *papa < papá < Papa*. Spaces and punctuation sort
before letters. Standard library only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

from describe_it.language.normalize import normalize_term

T = TypeVar("T")

# ñ sorts after every n-sequence and before o: "n" followed by the highest code point.
_ENYE = "n\U0010ffff"
# Secondary weights of the accents Spanish uses; anything else comes after them.
_ACCENTS = {"": 0, "\u0301": 1, "\u0308": 2, "\u0300": 3, "\u0302": 4}
_OTHER_ACCENT = 9
LEADING_WORDS = frozenset(
    # articles, contractions and prepositions that a sortKey drops from the front of a phrase
    [
        "el",
        "la",
        "los",
        "las",
        "lo",
        "un",
        "una",
        "unos",
        "unas",
        "al",
        "del",
        "a",
        "ante",
        "bajo",
        "con",
        "contra",
        "de",
        "desde",
        "durante",
        "en",
        "entre",
        "hacia",
        "hasta",
        "mediante",
        "para",
        "por",
        "según",
        "sin",
        "sobre",
        "tras",
    ]
)

CollationKey = tuple[str, tuple[int, ...], tuple[int, ...]]


def collation_key(text: str) -> CollationKey:
    """A key that sorts Spanish text in dictionary order (primary, then accent, then case)."""
    primary: list[str] = []
    accents: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFC", text):
        lower = char.lower()
        cases.append(0 if char == lower else 1)
        if lower == "ñ":
            primary.append(_ENYE)
            accents.append(0)
            continue
        decomposed = unicodedata.normalize("NFD", lower)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        marks = "".join(c for c in decomposed if unicodedata.combining(c))
        if not base.isalnum():
            base = " "  # spaces and punctuation: before any letter or digit, and all alike
        primary.append(base)
        accents.append(_ACCENTS.get(marks, _OTHER_ACCENT))
    return "".join(primary), tuple(accents), tuple(cases)


def sort_key(phrase: str) -> str:
    """The phrase without a leading article or preposition, case-folded: "La Casa" → "casa",
    "de la mañana" → "mañana". A phrase that is only such a word keeps it ("sobre")."""
    words = normalize_term(phrase).split(" ")
    while len(words) > 1 and words[0] in LEADING_WORDS:
        words = words[1:]
    return " ".join(words)


def spanish_sorted(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Items in Spanish collation order of ``key(item)`` (stable for equal keys)."""
    return sorted(items, key=lambda item: collation_key(key(item)))


def sorted_by_phrase(items: Iterable[T], phrase: Callable[[T], str]) -> list[T]:
    """Items in the order of a phrase category (spec §7): by ``sort_key``, ties by the whole phrase."""
    return sorted(
        items, key=lambda item: (collation_key(sort_key(phrase(item))), collation_key(phrase(item)))
    )

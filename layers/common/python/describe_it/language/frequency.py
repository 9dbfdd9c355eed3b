"""Word frequency (wordfreq's Zipf scale) and the CEFR-ish difficulty of a word.

Zipf = log10 of a word's frequency per billion words: 7 is *de*, 3 is a word met once in a million.
The bands, measured on wordfreq 3.1.1's Spanish list:

| difficulty   | Zipf      | which words                                  | CEFR, roughly |
| ---          | ---       | ---                                          | ---           |
| beginner     | ≥ 4.5     | the ~2,700 most frequent forms (*casa*, *gato*) | A1–A2 |
| intermediate | 3.5 – 4.5 | the next ~14,000 (*atardecer*, *amanecer*)   | B1–B2         |
| advanced     | < 3.5     | everything rarer (*sombrilla*, *frondoso*)   | C1–C2         |

A word is as easy as the easier of its form and its lemma: *caminaba* (3.6) is a form of *caminar* (4.6),
a beginner's verb. Frequency is not difficulty — a cognate such as *elefante* is easy at any frequency —
but it is the signal an offline tool has.

``wordfreq`` (≈ 57 MB with its data, in the AI/language layer) is imported on first use only: import and
first lookup (which loads the Spanish table) take ≈ 0.3–0.45 s and ≈ 50 MB on a development machine.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["beginner", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")
BEGINNER_MIN_ZIPF = 4.5
INTERMEDIATE_MIN_ZIPF = 3.5


def zipf(word: str, language: str = "es") -> float:
    from wordfreq import zipf_frequency  # the AI/language layer: never at import time

    value: float = zipf_frequency(word, language)
    return value


def level_for_zipf(value: float) -> Level:
    if value >= BEGINNER_MIN_ZIPF:
        return "beginner"
    if value >= INTERMEDIATE_MIN_ZIPF:
        return "intermediate"
    return "advanced"


def difficulty(word: str, lemma: str | None = None, language: str = "es") -> Level:
    """The difficulty of a word, from the more frequent of the word and its lemma."""
    value = zipf(word, language)
    if lemma and lemma != word:
        value = max(value, zipf(lemma, language))
    return level_for_zipf(value)

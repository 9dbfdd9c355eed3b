"""Which of Spanish and English a short text is written in (the only pair the offline tools handle)."""

from __future__ import annotations

from typing import Literal

from describe_it.language.sentences import tokenize

_SPANISH = frozenset(
    [
        "de",
        "la",
        "que",
        "el",
        "en",
        "y",
        "los",
        "se",
        "del",
        "las",
        "un",
        "por",
        "con",
        "no",
        "una",
        "su",
        "para",
        "es",
        "al",
        "lo",
        "como",
        "más",
        "pero",
        "sus",
        "le",
        "ya",
        "o",
        "este",
        "hay",
        "está",
        "son",
        "muy",
        "también",
        "fue",
        "había",
        "era",
        "desde",
        "hasta",
        "donde",
        "cuando",
        "todo",
        "esta",
        "entre",
        "sobre",
        "tiene",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "it",
        "that",
        "was",
        "for",
        "on",
        "are",
        "with",
        "as",
        "his",
        "they",
        "be",
        "at",
        "one",
        "have",
        "this",
        "from",
        "or",
        "had",
        "by",
        "but",
        "not",
        "what",
        "all",
        "were",
        "we",
        "when",
        "there",
        "can",
        "an",
        "which",
        "their",
        "has",
        "its",
    ]
)


def guess_language(text: str) -> Literal["es", "en"]:
    """ "es" or "en" by their most frequent words (ñ, accents and ¿¡ count for Spanish); ties → "es"."""
    words = [token.text.casefold() for token in tokenize(text) if token.is_word]
    spanish = sum(word in _SPANISH for word in words) + sum(char in "ñáéíóú¿¡" for char in text.casefold())
    english = sum(word in _ENGLISH for word in words)
    return "en" if english > spanish else "es"

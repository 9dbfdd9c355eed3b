"""Word counts of descriptions (spec §5.1: ``wordCount`` = tokens containing a letter)."""

from __future__ import annotations


def word_count(text: str) -> int:
    """Whitespace-separated tokens with at least one letter: "—" and "42" are not words, "¿Qué?" is."""
    return sum(1 for token in text.split() if any(char.isalpha() for char in token))

"""Lemmas from ``simplemma`` (≈ 19 MB, in the AI/language layer), imported on first use only.

The first Spanish lemma loads simplemma's Spanish dictionary (≈ 1 s and ≈ 100 MB on a development
machine; English adds ≈ 0.2 s, 8 MB); later ones are dictionary look-ups. Callers prefer the glossary's lemma where the glossary has the word (it knows that
*fue* is *ser* or *ir*); simplemma covers every other word.
"""

from __future__ import annotations


def lemmatize(word: str, language: str = "es") -> str:
    """The dictionary form of a word (lower case); the word itself when simplemma does not know it."""
    from simplemma import lemmatize as simplemma_lemmatize  # the AI/language layer: never at import time

    lemma: str = simplemma_lemmatize(word.casefold(), lang=language)
    return lemma.casefold()

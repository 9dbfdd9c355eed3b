"""Normalisation of a word or short phrase for glossary lookups.

NFC, trimmed, case-folded, internal whitespace collapsed, punctuation and symbols stripped from both ends
(``¿Casa?`` → ``casa``, ``«sí»`` → ``sí``). Accents stay significant: *si* (if) and *sí* (yes) are
different words, as in spec §10.2.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def _is_edge_mark(char: str) -> bool:
    # Punctuation (P*) and symbols (S*), e.g. ¿ ¡ « » " ' . , ; : ! ? — … ( ) * €.
    return unicodedata.category(char)[0] in "PS"


def normalize_term(text: str) -> str:
    """The lookup form of a word or phrase ("" when nothing but punctuation is left)."""
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", text).strip()).casefold()
    start, end = 0, len(value)
    while start < end and (_is_edge_mark(value[start]) or value[start].isspace()):
        start += 1
    while end > start and (_is_edge_mark(value[end - 1]) or value[end - 1].isspace()):
        end -= 1
    return value[start:end]

"""Is an answer correct? The rules of spec §6.3, in order:

1. ``selectedIndex`` and ``correctIndex`` both sent: they are compared;
2. else the client's ``isCorrect``;
3. else the answer text (``userAnswer``, or the selected option's text) is compared with the correct
   answer: ``similarityScore`` = the token-set overlap of the two after folding accents and case, and
   the answer is correct when it is at least 0.8.

Token-set overlap is |A ∩ B| / |A ∪ B| (Jaccard) of the sets of words: symmetric, word order and
repetition do not matter, punctuation is not a word, and an answer padded with extra words loses as
much as one missing words ("el perro" for "el perro negro grande" is 2/4). Computed with fractions,
so the 0.8 boundary is exact (4 of 5 words is correct).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = Fraction(4, 5)
_WORD = re.compile(r"[^\W_]+")  # letters and digits; punctuation, symbols and "_" separate words


@dataclass(frozen=True)
class Grade:
    is_correct: bool
    similarity: Fraction | None  # only when rule 3 decided


class Ungradable(ValueError):
    """Neither indexes, nor a flag, nor an answer text to compare."""


def fold(text: str) -> str:
    """Accents and case folded: "¿Está EL Niño?" → "¿esta el nino?"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(fold(text)))


def similarity(answer: str, expected: str) -> Fraction:
    given, wanted = words(answer), words(expected)
    union = given | wanted
    if not union:  # neither has a word ("?" for "?"): the same text or nothing in common
        return Fraction(1) if fold(answer).strip() == fold(expected).strip() else Fraction(0)
    return Fraction(len(given & wanted), len(union))


def grade(
    *,
    correct_answer: str,
    user_answer: str | None,
    options: list[str] | None,
    selected_index: int | None,
    correct_index: int | None,
    is_correct: bool | None,
) -> Grade:
    if selected_index is not None and correct_index is not None:
        return Grade(selected_index == correct_index, None)
    if is_correct is not None:
        return Grade(is_correct, None)
    text = user_answer
    if text is None and options is not None and selected_index is not None:
        text = options[selected_index]
    if text is None:
        raise Ungradable("Send correctIndex, isCorrect or userAnswer so the answer can be graded")
    score = similarity(text, correct_answer)
    return Grade(score >= THRESHOLD, score)

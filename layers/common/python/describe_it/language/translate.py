"""Glossary translation (spec §8): the answer when the model is unavailable, only if it is complete.

``offline_translate`` translates every text from the glossary, or none: when even one text is not a glossary
entry (a sentence, an unknown word, a language pair other than es↔en) it returns ``NotCovered`` naming those
texts — never a placeholder string. The caller labels a ``Covered`` answer ``provider:"glossary"``,
``fallback:true``, ``confidence`` = ``GLOSSARY_CONFIDENCE``. Standard library only (plus the glossary file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from describe_it.language import glossary
from describe_it.language.detect import guess_language

GLOSSARY_CONFIDENCE = 0.6  # spec §8: a word-level glossary answer


@dataclass(frozen=True)
class Covered:
    translations: tuple[str, ...]  # in input order
    source: str  # "es" or "en"; the detected one when the caller asked for "auto"
    target: str


@dataclass(frozen=True)
class NotCovered:
    missing: tuple[int, ...]  # indexes of the texts the glossary does not have
    source: str
    target: str


def _source_for(texts: Sequence[str], source: str, target: str) -> str:
    if source != "auto":
        return source
    # The glossary is es↔en only, so the target decides; with a third-language target, guess from the text.
    if target == "en":
        return "es"
    if target == "es":
        return "en"
    return guess_language(" ".join(texts))


def offline_translate(texts: Sequence[str], source: str, target: str) -> Covered | NotCovered:
    """Every text translated by the glossary, or the indexes of those it cannot translate."""
    resolved = _source_for(texts, source, target)
    found = [glossary.translate(text, resolved, target) for text in texts]
    missing = tuple(index for index, value in enumerate(found) if value is None)
    if missing or not texts:
        return NotCovered(missing, resolved, target)
    return Covered(tuple(value for value in found if value is not None), resolved, target)

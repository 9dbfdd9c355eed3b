"""Plain prose out of a model's text: light clean-up, word counts and the ``maxLength`` cut (spec §5.1)."""

from __future__ import annotations

import re

ELLIPSIS = "…"
# A sentence ends with . ! ? or … , optionally followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def is_word(token: str) -> bool:
    """A word is a whitespace-separated token containing a letter (spec §5.1 ``wordCount``)."""
    return any(char.isalpha() for char in token)


def word_count(text: str) -> int:
    return sum(1 for token in text.split() if is_word(token))


def plain_prose(text: str) -> str:
    """Drop the markdown a model may add despite the prompt (headings, bullets, emphasis), keep the
    paragraphs, tidy the spaces."""
    text = _HEADING.sub("", text)
    text = _BULLET.sub("", text)
    text = _EMPHASIS.sub("", text)
    paragraphs = [_SPACES.sub(" ", " ".join(p.split("\n"))).strip() for p in _BLANK_LINES.split(text)]
    return "\n\n".join(p for p in paragraphs if p)


def trim_to_words(text: str, max_words: int) -> tuple[str, int, bool]:
    """At most ``max_words`` words, cut at the last sentence end; a hard cut + "…" if there is none.

    Returns ``(text, word count, whether it was cut)``. Paragraph breaks are kept.
    """
    if word_count(text) <= max_words:
        return text, word_count(text), False
    # Walk the tokens (keeping each one's following whitespace) until max_words words are taken.
    pieces = re.findall(r"\S+\s*", text)
    kept: list[str] = []
    words = 0
    last_sentence_end = 0  # number of pieces up to the last one that ends a sentence
    for piece in pieces:
        token = piece.rstrip()
        if is_word(token):
            if words == max_words:
                break
            words += 1
        kept.append(piece)
        if _SENTENCE_END.search(token):
            last_sentence_end = len(kept)
    if last_sentence_end:
        cut = "".join(kept[:last_sentence_end]).rstrip()
    else:
        cut = "".join(kept).rstrip().rstrip(",;:—–-") + ELLIPSIS
    return cut, word_count(cut), True

"""Sentence splitting and tokenising of a Spanish or English text, with offsets into the original.

Every span and token carries its ``start``/``end`` in the text it came from and ``text == source[start:end]``,
so a phrase's context sentence is always a verbatim substring of the text (spec §7). Standard library only.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or brackets after it) followed by
whitespace and then something that can start a sentence — a capital, a digit, ``¿``, ``¡``, an opening quote
or bracket, a dialogue dash — or by the end of the text; a blank line always ends one. It does not end:

- after a title or short form that is always followed by more (``Sr.``, ``Dra.``, ``p. ej.``, ``EE. UU.``,
  ``Mr.``, ``e.g.``) or after a single capital (initials: ``J. R. R. Tolkien``);
- before a dialogue dash followed by a lower-case word (``—¿Vienes? —preguntó.``);
- inside a ``¿…?`` or ``¡…!`` that closes later in the same paragraph;
- in a number (``3.5``, ``1.000``) or before a lower-case word (``etc. y más``, ``¿Vienes?, dijo``).

Limits: an abbreviation that is not in the list, followed by a capitalised name, splits the sentence; a
sentence that really ends in one that is (``… en EE. UU. Luego``) does not split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERMINATORS = ".!?…"
_CLOSERS = "\"'”’»)]"
_OPENERS = "¿¡\"'“‘«([—–-"
# Lower-case forms (without the final dot) after which a capital does not start a new sentence.
_NO_BREAK_AFTER = frozenset(
    [
        "sr",
        "sra",
        "srta",
        "sres",
        "dr",
        "dra",
        "drs",
        "lic",
        "ing",
        "prof",
        "profa",
        "arq",
        "sto",
        "sta",
        "av",
        "avda",
        "núm",
        "nro",
        "pág",
        "págs",
        "tel",
        "aprox",
        "ej",
        "ud",
        "uds",
        "vd",
        "vds",
        "dpto",
        "depto",
        "cía",
        "vol",
        "cap",
        "art",
        "fig",
        "ee",
        "mr",
        "mrs",
        "ms",
        "jr",
        "st",
        "vs",
        "e.g",
        "i.e",
    ]
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    after_punctuation: bool = False  # something other than whitespace separates it from the token before

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words (letters, with inner apostrophes or hyphens) and numbers; punctuation is skipped.
    ``offset`` is added to every position (for tokens of a sentence inside a larger text)."""
    tokens: list[Token] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        gap = text[previous_end : match.start()]
        tokens.append(
            Token(
                match.start() + offset,
                match.end() + offset,
                match.group(),
                bool(tokens) and bool(gap.strip()),
            )
        )
        previous_end = match.end()
    return tokens


def _can_start_sentence(text: str, k: int, end: int) -> bool:
    char = text[k]
    if char in "—–-":
        # A dialogue dash starts a sentence, but "—¿Vienes? —preguntó." goes on after it.
        rest = text[k + 1 : end].lstrip()
        return not rest or not rest[0].islower()
    return char.isupper() or char.isdigit() or char in _OPENERS


def _abbreviation_before(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text, 0, dot)
    if not match:
        return False
    word = match.group(1)
    if len(word) == 1 and word.isupper():
        return True  # an initial
    return word.casefold() in _NO_BREAK_AFTER


def _open_inverted(text: str, start: int, position: int, end: int) -> bool:
    """A ¿ or ¡ opened in this sentence that closes later in the paragraph (before ``end``)."""
    for opener, closer in (("¿", "?"), ("¡", "!")):
        last_open = text.rfind(opener, start, position)
        unclosed = last_open != -1 and text.find(closer, last_open, position) == -1
        if unclosed and text.find(closer, position, end) != -1:
            return True
    return False


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    sentence_start = start
    i = start
    while i < end:
        if text[i] not in _TERMINATORS:
            i += 1
            continue
        j = i
        while j < end and (text[j] in _TERMINATORS or text[j] in _CLOSERS):
            j += 1
        run = text[i:j]
        k = j
        while k < end and text[k].isspace():
            k += 1
        ends = k == end or (
            k > j
            and _can_start_sentence(text, k, end)
            and not ("." in run and "?" not in run and "!" not in run and _abbreviation_before(text, i))
            and not (run[0] in ".…" and _open_inverted(text, sentence_start, i, end))
        )
        if ends:
            bounds.append((sentence_start, j))
            sentence_start = k
        i = j
    if sentence_start < end:
        bounds.append((sentence_start, end))
    return bounds


def split_sentences(text: str) -> list[Span]:
    """The sentences of ``text`` in order, each trimmed of surrounding whitespace."""
    spans: list[Span] = []
    paragraph_start = 0
    breaks = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)] + [(len(text), len(text))]
    for break_start, break_end in breaks:
        for start, stop in _split_paragraph(text, paragraph_start, break_start):
            while start < stop and text[start].isspace():
                start += 1
            while stop > start and text[stop - 1].isspace():
                stop -= 1
            if start < stop:
                spans.append(Span(start, stop, text[start:stop]))
        paragraph_start = break_end
    return spans

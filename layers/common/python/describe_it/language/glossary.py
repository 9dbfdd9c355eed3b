"""The bundled es↔en glossary (spec §8): lookups in both directions, coverage, word-level translation.

The data (``data/glossary.tsv``) is the project's own: about 2,000 of the most frequent Spanish words,
chosen by their rank in wordfreq's Spanish list, each with 1–4 English senses written for this project
(most common first), its part of speech, lemma, and gender/number or verb form, plus a short list of
multi-word entries (*por favor*, *sin embargo*). ``python -m describe_it.language.build_glossary --check``
verifies it. The file is read once per process, on first use, and needs nothing outside the standard library.

The English → Spanish direction is built from the same entries: every sense (without its parenthetical
note, and for verbs also without the leading "to") points back to the Spanish words that carry it: the
words whose *first* sense it is come first, a plain sense before a qualified one ("time" → *tiempo* before
*vez*, whose sense is "time (occasion)"), a headword before its inflected forms ("big" → *grande* before
*grandes*), then by frequency rank. A sense that only exists inside an expression ("walk (dar una
vuelta)") does not lead back to the single word.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from describe_it.language.normalize import normalize_term

DATA_FILE = Path(__file__).parent / "data" / "glossary.tsv"
COLUMNS = ("rank", "spanish", "lemma", "pos", "gender", "form", "english")
NONE = "-"  # a field that does not apply (no field is ever empty)
SENSE_SEPARATOR = "; "
MAX_SENSES = 4

Language = Literal["es", "en"]
PartOfSpeech = Literal[
    "noun",
    "verb",
    "adjective",
    "adverb",
    "preposition",
    "article",
    "pronoun",
    "conjunction",
    "interjection",
    "determiner",
    "numeral",
    "phrase",
]
PARTS_OF_SPEECH: tuple[PartOfSpeech, ...] = get_args(PartOfSpeech)
Gender = Literal["m", "f", "mf"]
GENDERS: tuple[Gender, ...] = get_args(Gender)

# Verb forms: "inf", "ger", "part", or "<tense>.<persons>" such as "pres.3s" or "impf.1s/3s".
TENSES = ("pres", "pret", "impf", "fut", "cond", "subj", "impsubj", "imp")
NON_FINITE = ("inf", "ger", "part")
PERSONS = ("1s", "2s", "3s", "1p", "2p", "3p")
NUMBERS = ("sg", "pl")  # the form of nouns, adjectives, determiners, articles and pronouns

_PARENTHETICAL = re.compile(r"\([^)]*\)")


class GlossaryFormatError(ValueError):
    """A line of the glossary file that does not have the documented shape."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class Entry:
    rank: int | None  # rank in wordfreq's Spanish list (1 = most frequent); None for multi-word entries
    spanish: str
    lemma: str
    pos: PartOfSpeech
    gender: Gender | None  # nouns always; adjectives, determiners, articles and pronouns where it shows
    form: str | None  # "sg"/"pl", or a verb form such as "pres.3s"; None when it does not apply
    senses: tuple[str, ...]  # English, most common first

    @property
    def translation(self) -> str:
        """The most common sense, without its note: ``vez`` → "time" (sense "time (occasion)")."""
        return english_core(self.senses[0]) or self.senses[0]

    @property
    def gloss(self) -> str:
        """Every sense, for a learner: "house; home"."""
        return SENSE_SEPARATOR.join(self.senses)


def english_core(sense: str) -> str:
    """A sense without its parenthetical notes, normalised: "Time (occasion)" → "time"."""
    return normalize_term(_PARENTHETICAL.sub(" ", sense))


def is_verb_form(form: str) -> bool:
    if form in NON_FINITE:
        return True
    tense, _, persons = form.partition(".")
    return tense in TENSES and bool(persons) and all(p in PERSONS for p in persons.split("/"))


def _field(value: str) -> str | None:
    return None if value == NONE else value


def parse_line(line_number: int, line: str) -> Entry:
    fields = line.split("\t")
    if len(fields) != len(COLUMNS):
        raise GlossaryFormatError(line_number, f"{len(fields)} fields, expected {len(COLUMNS)}")
    if any(not value or value != value.strip() for value in fields):
        raise GlossaryFormatError(line_number, "a field is empty or has surrounding spaces")
    rank_text, spanish, lemma, pos, gender, form, english = fields
    if rank_text != NONE and not rank_text.isdigit():
        raise GlossaryFormatError(line_number, f"rank {rank_text!r} is not a number or {NONE!r}")
    if pos not in PARTS_OF_SPEECH:
        raise GlossaryFormatError(line_number, f"unknown part of speech {pos!r}")
    if gender != NONE and gender not in GENDERS:
        raise GlossaryFormatError(line_number, f"unknown gender {gender!r}")
    if pos == "noun" and gender == NONE:
        raise GlossaryFormatError(line_number, "a noun needs a gender")
    if pos == "verb" and not is_verb_form(form):
        raise GlossaryFormatError(line_number, f"unknown verb form {form!r}")
    if pos != "verb" and form != NONE and form not in NUMBERS:
        raise GlossaryFormatError(line_number, f"unknown form {form!r}")
    senses = tuple(english.split(SENSE_SEPARATOR))
    if not 1 <= len(senses) <= MAX_SENSES or any(not s or s != s.strip() for s in senses):
        raise GlossaryFormatError(
            line_number, f"1–{MAX_SENSES} non-empty senses separated by {SENSE_SEPARATOR!r}"
        )
    if any(sense.count("(") != sense.count(")") for sense in senses):
        # A "; " inside brackets would split one sense in two: use "," there.
        raise GlossaryFormatError(line_number, "unbalanced brackets in a sense")
    return Entry(
        rank=None if rank_text == NONE else int(rank_text),
        spanish=spanish,
        lemma=lemma,
        pos=pos,  # narrowed by the PARTS_OF_SPEECH check above
        gender=_field(gender),  # type: ignore[arg-type]  # checked against GENDERS above
        form=_field(form),
        senses=senses,
    )


def parse(text: str) -> list[Entry]:
    """Entries of a glossary file, in file order. Lines starting with ``#`` are comments."""
    entries: list[Entry] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        if not header_seen:
            if tuple(line.split("\t")) != COLUMNS:
                raise GlossaryFormatError(number, f"the header must be {' '.join(COLUMNS)}")
            header_seen = True
            continue
        entries.append(parse_line(number, line))
    if not header_seen:
        raise GlossaryFormatError(1, "no header line")
    return entries


def _only_in_expression(entry: Entry, sense: str) -> bool:
    # "walk (dar una vuelta)", "is called (se llama)": the sense belongs to the expression in brackets,
    # so "walk" must not lead back to *vuelta*. "coast (a costa de = at the expense of)" is a plain sense
    # with a note, and stays.
    notes = _PARENTHETICAL.findall(sense)
    return any("=" not in note and entry.spanish in note.strip("()").split() for note in notes)


def _english_keys(entry: Entry, sense: str) -> list[str]:
    if _only_in_expression(entry, sense):
        return []
    core = english_core(sense)
    keys = [core] if core else []
    if entry.pos == "verb" and core.startswith("to ") and len(core) > 3:
        keys.append(core[3:])
    return keys


class Glossary:
    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = tuple(entries)
        spanish: defaultdict[str, list[Entry]] = defaultdict(list)
        english: defaultdict[str, list[tuple[int, bool, bool, int, int, Entry]]] = defaultdict(list)
        for order, entry in enumerate(self.entries):
            spanish[normalize_term(entry.spanish)].append(entry)
            rank = entry.rank if entry.rank is not None else 1_000_000
            for index, sense in enumerate(entry.senses):
                qualified = "(" in sense  # "time (occasion)" ranks below a plain "time"
                inflected = entry.spanish != entry.lemma  # "big": *grande* before *grandes*
                for key in _english_keys(entry, sense):
                    english[key].append((index, qualified, inflected, rank, order, entry))
        self._spanish = {key: tuple(found) for key, found in spanish.items()}
        self._english = {
            key: tuple(dict.fromkeys(entry for *_, entry in sorted(found, key=lambda item: item[:5])))
            for key, found in english.items()
        }

    def lookup(self, term: str, source: Language = "es") -> tuple[Entry, ...]:
        """Entries for a Spanish word or phrase (``source="es"``), or the Spanish entries that carry an
        English sense (``source="en"``), best first; empty when the glossary does not have it."""
        index = self._spanish if source == "es" else self._english
        return index.get(normalize_term(term), ())

    def translate(self, text: str, source: str, target: str) -> str | None:
        """The glossary's translation of a word or short phrase, or None when it is not an entry."""
        if (source, target) not in (("es", "en"), ("en", "es")):
            return None
        found = self.lookup(text, "es" if source == "es" else "en")
        if not found:
            return None
        if source == "en":
            # Spanish headwords are lower case; English capitals (Monday, Spanish, I) do not carry over.
            return found[0].spanish
        result = found[0].translation
        stripped = text.strip().lstrip("¿¡\"'«“(")
        return result[:1].upper() + result[1:] if stripped[:1].isupper() else result

    def covers(self, texts: Sequence[str], source: str, target: str) -> bool:
        """True when every text is a glossary entry for that direction (and there is at least one)."""
        return bool(texts) and all(self.translate(text, source, target) is not None for text in texts)


_lock = threading.Lock()
_loaded: Glossary | None = None


def load(path: Path = DATA_FILE) -> Glossary:
    return Glossary(parse(path.read_text(encoding="utf-8")))


def get_glossary() -> Glossary:
    """The bundled glossary, read once per process on first use."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load()
    return _loaded


def lookup(term: str, source: Language = "es") -> tuple[Entry, ...]:
    return get_glossary().lookup(term, source)


def translate(text: str, source: str, target: str) -> str | None:
    return get_glossary().translate(text, source, target)


def covers(texts: Sequence[str], source: str, target: str) -> bool:
    return get_glossary().covers(texts, source, target)

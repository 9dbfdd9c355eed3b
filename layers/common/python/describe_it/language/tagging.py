"""Part-of-speech guesses for the offline mode: the glossary first, then a small rule set.

Spanish, for each word of a sentence, in this order:

1. a glossary word takes the glossary's part of speech; where it has several, the context picks: a noun
   (then an adjective) after an article, determiner, number or *al*/*del* (*el vino* is wine), a verb after
   a clitic or subject pronoun (*él vino* came) or after *haber* (*ha hecho*); *la/lo/los/las* before a
   verb are pronouns (*la veo*);
2. an unknown capitalised word inside a sentence is a name;
3. ``-mente`` → adverb; after an article or determiner → noun; an infinitive or gerund ending
   (``-ar/-er/-ir``, ``-ando/-iendo``, with clitics: ``-arse``, ``-iéndolo``) → verb; a participle after
   *haber* → verb; after a clitic pronoun → verb — all *confident*;
4. guesses: a form that simplemma lemmatises to an infinitive that wordfreq knows → verb (but ``-ado/-ido``
   after a noun or *ser/estar* → adjective: *cielo nublado*, *está despejado*); noun suffixes (``-ción``, ``-dad``, ``-miento``…) → noun; after a noun, or
   with an adjective suffix (``-oso``, ``-ble``, ``-ivo``…) → adjective; a plural of a known lemma → noun;
   anything else → "other". Punctuation between two words cuts the context (*mercado: manzanas*).

English words are tagged from a list of function words, the glossary's English senses (*house* is the sense
of a noun), articles before nouns, and ``-ly``/``-ing``/``-ed`` endings.

Limits, plainly: there is no parser. Adjectives before their noun (*la hermosa casa*) are found only when
the glossary knows them, noun/verb homographs outside the glossary follow the surface rules above, and a
capitalised common word at the start of a sentence is not a name. Multi-word phrases are built only from
words tagged *confident* (see ``phrases``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from describe_it.language import glossary
from describe_it.language.frequency import zipf
from describe_it.language.glossary import Entry
from describe_it.language.lemmas import lemmatize
from describe_it.language.sentences import Token

Tag = Literal[
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
    "name",
    "number",
    "other",
]
CONTENT_TAGS = frozenset({"noun", "verb", "adjective", "adverb"})
_BEFORE_NOUN = frozenset({"article", "determiner", "numeral"})
_CONTRACTIONS = frozenset({"al", "del"})
_CLITICS = frozenset({"me", "te", "se", "nos", "os", "le", "les", "lo", "la", "los", "las"})
_REAL_WORD_ZIPF = 2.0  # about once in 100 million words
_COPULAS = frozenset({"ser", "estar", "parecer", "quedar"})
_SUBJECTS = frozenset(
    {"yo", "tú", "él", "ella", "usted", "nosotros", "nosotras", "ellos", "ellas", "ustedes"}
)
_ENCLITIC = r"(?:se|lo|la|los|las|le|les|me|te|nos|os)*"
_INFINITIVE = re.compile(rf"^\w{{2,}}(?:ar|er|ir|ír){_ENCLITIC}$")
_GERUND = re.compile(rf"^\w+(?:ando|iendo|yendo|ándo|iéndo|yéndo){_ENCLITIC}$")
_PARTICIPLE = re.compile(r"^\w+(?:ado|ido|ada|ida|ados|idos|adas|idas|to|cho|so)$")
_NOUN_SUFFIXES = (
    "ción",
    "ciones",
    "sión",
    "siones",
    "dad",
    "dades",
    "tad",
    "tud",
    "umbre",
    "miento",
    "mientos",
    "aje",
    "ajes",
    "ismo",
    "ista",
    "eza",
    "ura",
    "uras",
    "ería",
    "ero",
    "era",
)
_ADJECTIVE_SUFFIXES = (
    "oso",
    "osa",
    "osos",
    "osas",
    "ivo",
    "iva",
    "ivos",
    "ivas",
    "ble",
    "bles",
    "ico",
    "ica",
    "icos",
    "icas",
    "ante",
    "antes",
    "ente",
    "entes",
    "ino",
    "ina",
    "al",
    "ales",
)
_AGREEING_ENDINGS = ("o", "a", "os", "as", "e", "es", "l", "les", "z", "ces", "n", "nes", "r", "res")

_EN_FUNCTION: dict[str, Tag] = {
    **dict.fromkeys(["the", "a", "an"], "article"),
    **dict.fromkeys(
        [
            "this",
            "that",
            "these",
            "those",
            "my",
            "your",
            "his",
            "her",
            "its",
            "our",
            "their",
            "some",
            "any",
            "every",
            "each",
            "no",
            "many",
            "much",
            "several",
            "all",
            "both",
            "another",
            "other",
            "few",
        ],
        "determiner",
    ),
    **dict.fromkeys(
        ["i", "you", "he", "she", "it", "we", "they", "me", "him", "us", "them", "myself", "itself", "there"],
        "pronoun",
    ),
    **dict.fromkeys(
        [
            "in",
            "on",
            "at",
            "of",
            "to",
            "from",
            "with",
            "by",
            "for",
            "under",
            "over",
            "behind",
            "near",
            "between",
            "into",
            "through",
            "above",
            "below",
            "beside",
            "across",
            "along",
            "around",
            "against",
            "among",
            "without",
            "during",
            "after",
            "before",
            "next",
            "onto",
            "inside",
            "outside",
        ],
        "preposition",
    ),
    **dict.fromkeys(
        ["and", "or", "but", "because", "while", "so", "if", "although", "as", "than"], "conjunction"
    ),
    **dict.fromkeys(
        [
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "being",
            "am",
            "has",
            "have",
            "had",
            "do",
            "does",
            "did",
            "can",
            "could",
            "will",
            "would",
            "may",
            "might",
            "must",
            "should",
        ],
        "verb",
    ),
    **dict.fromkeys(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], "numeral"
    ),
    **dict.fromkeys(
        ["not", "very", "too", "also", "here", "now", "then", "always", "never", "often", "just", "still"],
        "adverb",
    ),
}


@dataclass(frozen=True)
class Tagged:
    token: Token
    pos: Tag
    lemma: str
    entry: Entry | None  # the glossary entry the tag came from
    confident: bool  # False for the guesses of step 4

    @property
    def word(self) -> str:
        return self.token.text.casefold()


def _choose(entries: Sequence[Entry], previous: Tagged | None, following: Sequence[Entry]) -> Entry:
    def first(*parts: str) -> Entry | None:
        return next((e for e in entries if e.pos in parts), None)

    if previous is not None and (previous.pos in _BEFORE_NOUN or previous.word in _CONTRACTIONS):
        return first("noun") or first("adjective") or entries[0]
    if previous is not None and previous.pos == "pronoun" and previous.word in _CLITICS | _SUBJECTS:
        return first("verb") or entries[0]
    if previous is not None and previous.lemma == "haber":
        return first("verb") or entries[0]  # "ha hecho": done, not a fact
    if first("article") and first("pronoun"):
        # la/lo/los/las: a pronoun before a word that can only be a verb ("la veo"), else an article.
        if following and all(e.pos == "verb" for e in following):
            return first("pronoun") or entries[0]
        return first("article") or entries[0]
    return entries[0]


def _guess_spanish(word: str, previous: Tagged | None) -> tuple[Tag, str, bool]:
    """(tag, lemma, confident) for a word the glossary does not have."""
    lemma = lemmatize(word)
    after_determiner = previous is not None and (
        previous.pos in _BEFORE_NOUN or previous.word in _CONTRACTIONS
    )
    if word.endswith("mente") and len(word) > 7:
        return "adverb", word, True
    if after_determiner:
        return "noun", lemma, True
    if _INFINITIVE.match(word) or _GERUND.match(word):
        return "verb", lemma, True
    if previous is not None and previous.lemma == "haber" and _PARTICIPLE.match(word):
        return "verb", lemma, True
    if previous is not None and previous.pos == "pronoun" and previous.word in _CLITICS:
        return "verb", lemma, True
    after_noun = previous is not None and previous.pos == "noun"
    after_copula = previous is not None and previous.lemma in _COPULAS
    if (after_noun or after_copula) and _PARTICIPLE.match(word) and word.endswith(("o", "a", "os", "as")):
        return "adjective", re.sub(r"(?:a|os|as)$", "o", word), False  # an adjective's lemma: nublado
    if (
        lemma != word
        and len(lemma) > 3
        and lemma.endswith(("ar", "er", "ir"))
        and zipf(lemma) >= _REAL_WORD_ZIPF
    ):
        # simplemma also "lemmatises" nouns to invented verbs (frutas → frutar): a real verb is a known word.
        return "verb", lemma, False
    if word.endswith(_NOUN_SUFFIXES):
        return "noun", lemma, False
    if word.endswith(_ADJECTIVE_SUFFIXES) or (after_noun and word.endswith(_AGREEING_ENDINGS)):
        return "adjective", lemma, False
    if lemma != word and word in (lemma + "s", lemma + "es"):
        return "noun", lemma, False  # a plural: more often a noun than an adjective
    return "other", lemma, False


def tag_spanish(tokens: Sequence[Token]) -> list[Tagged]:
    """Tags for the tokens of one Spanish sentence, in order."""
    tagged: list[Tagged] = []
    for index, token in enumerate(tokens):
        # Punctuation cuts the context: in "mercado: manzanas", manzanas does not follow a noun.
        previous = tagged[-1] if tagged and not token.after_punctuation else None
        if not token.is_word:
            tagged.append(Tagged(token, "number", token.text, None, True))
            continue
        entries = glossary.lookup(token.text)
        if entries:
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            following = glossary.lookup(nxt.text) if nxt is not None else ()
            entry = _choose(entries, previous, following)
            tagged.append(Tagged(token, entry.pos, entry.lemma, entry, True))
        elif index > 0 and token.text[0].isupper():
            tagged.append(Tagged(token, "name", token.text, None, True))
        else:
            tag, lemma, confident = _guess_spanish(token.text.casefold(), previous)
            tagged.append(Tagged(token, tag, lemma, None, confident))
    return tagged


def tag_english(tokens: Sequence[Token]) -> list[Tagged]:
    """Tags for the tokens of one English sentence, in order."""
    tagged: list[Tagged] = []
    for index, token in enumerate(tokens):
        previous = tagged[-1] if tagged else None
        word = token.text.casefold()
        if not token.is_word:
            tagged.append(Tagged(token, "number", token.text, None, True))
            continue
        if word in _EN_FUNCTION:
            tagged.append(Tagged(token, _EN_FUNCTION[word], word, None, True))
            continue
        if index > 0 and token.text[0].isupper():
            tagged.append(Tagged(token, "name", token.text, None, True))
            continue
        lemma = lemmatize(word, "en")
        senses = glossary.lookup(word, "en") or glossary.lookup(lemma, "en")
        # "a strange gadget": a determiner, then any adjectives, then the noun.
        before = next((t for t in reversed(tagged) if t.pos != "adjective"), None)
        after_determiner = before is not None and before.pos in _BEFORE_NOUN and previous is not None
        if senses and senses[0].pos in CONTENT_TAGS:
            pos: Tag = senses[0].pos
            if after_determiner and pos == "verb":
                pos = "noun"  # "a walk", "the run"
            tagged.append(Tagged(token, pos, lemma, None, True))
        elif word.endswith("ly") and len(word) > 4:
            tagged.append(Tagged(token, "adverb", lemma, None, True))
        elif after_determiner:
            tagged.append(Tagged(token, "noun", lemma, None, True))
        elif word.endswith(("ing", "ed")) and len(word) > 4:
            tagged.append(Tagged(token, "verb", lemma, None, False))
        else:
            tagged.append(Tagged(token, "other", lemma, None, False))
    return tagged


MAX_EXPRESSION_WORDS = 4


def adjacent(text: str, tags: Sequence[Tagged]) -> bool:
    """Consecutive tokens separated by whitespace only (no punctuation between them)."""
    return all(text[a.token.end : b.token.start].isspace() for a, b in itertools.pairwise(tags))


def find_expressions(text: str, tags: Sequence[Tagged]) -> list[tuple[int, int, Entry]]:
    """Glossary expressions (*al lado de*, *hace sol*) among a sentence's tags: (first index, end index,
    entry), longest first at each position; the words must be separated by spaces only."""
    found: list[tuple[int, int, Entry]] = []
    for index in range(len(tags)):
        for size in range(min(MAX_EXPRESSION_WORDS, len(tags) - index), 1, -1):
            parts = tags[index : index + size]
            if not adjacent(text, parts):
                continue
            entry = next(
                (e for e in glossary.lookup(" ".join(p.word for p in parts)) if e.pos == "phrase"), None
            )
            if entry is not None:
                found.append((index, index + size, entry))
                break
    return found

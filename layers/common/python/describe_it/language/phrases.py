"""Offline phrase extraction (spec §7, offline mode): vocabulary candidates from the text itself.

Each sentence of the text is tokenised and tagged (``tagging``); the candidates are its nouns, verbs,
adjectives and adverbs, plus three kinds of multi-word key phrases where they are confidently found: a
glossary expression (*al lado de*, *a la derecha*), a noun followed by an agreeing adjective
(*casa roja*), and a verb followed by an article or number and a noun (*lee un libro*). The copulas and
auxiliaries (*ser*, *estar*, *haber*), trivial adverbs (*no*, *muy*, *más*) and, inside a glossary
expression, every word but its nouns (*debajo* of *debajo de*) are left out.

Every candidate's ``context`` is its sentence, a verbatim substring of the text, and its ``phrase`` is the
text's own words (``text[start:start + len(phrase)]``). The translation comes from the glossary — the word's
own entry, else its lemma's; for a multi-word phrase the expression's entry, or the words' translations in
English order when every word has an entry (*casa roja* → "red house") — and is None when the glossary
cannot give one; it is never made up. Gender, article and the conjugation note come from ``morphology``;
``guessed`` names the fields that are guesses rather than glossary facts.

Duplicates (same lemma and category) keep their first occurrence. When there are more candidates than
``max_phrases``, the categories take turns (nouns, verbs, adjectives, adverbs, key phrases), each giving its
candidate closest to ``target_level`` first (earliest in the text on a tie); the result is in order of
appearance. Deterministic: the same input gives the same output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from describe_it.language import glossary
from describe_it.language.frequency import LEVELS, Level, difficulty, zipf
from describe_it.language.glossary import Entry
from describe_it.language.morphology import Article, Gender, conjugation, noun_info
from describe_it.language.sentences import Span, split_sentences, tokenize
from describe_it.language.tagging import CONTENT_TAGS, Tagged, adjacent, find_expressions, tag_spanish

Category = Literal["sustantivos", "verbos", "adjetivos", "adverbios", "frasesClaves"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
PartOfSpeech = Literal["noun", "verb", "adjective", "adverb", "phrase"]
_CATEGORY_OF: dict[str, Category] = {
    "noun": "sustantivos",
    "verb": "verbos",
    "adjective": "adjetivos",
    "adverb": "adverbios",
}
_SKIPPED_LEMMAS = frozenset({"ser", "estar", "haber"})
_TRIVIAL = frozenset({"no", "sí", "más", "menos", "muy", "ya", "tan", "tanto", "aún", "así"})
_LIGHT_VERBS = _SKIPPED_LEMMAS | {"hacer", "parecer", "poder", "deber", "querer"}
_SPEECH_VERBS = frozenset({"decir", "preguntar", "responder", "contestar", "gritar", "exclamar", "añadir"})
_OBJECT_DETERMINERS = frozenset({"article", "numeral"})


@dataclass(frozen=True)
class PhraseCandidate:
    phrase: str
    lemma: str
    translation: str | None  # English, from the glossary; None when it has none
    part_of_speech: PartOfSpeech
    category: Category
    difficulty: Level
    context: str  # the sentence, verbatim
    start: int  # where ``phrase`` starts in the text
    gender: Gender | None = None
    article: Article | None = None
    conjugation: str | None = None
    guessed: tuple[str, ...] = ()  # of "partOfSpeech", "gender", "article", "conjugation"


def _entry_for(tagged: Tagged) -> Entry | None:
    """The glossary entry of this word with its tagged part of speech, else its lemma's."""
    if tagged.entry is not None and tagged.entry.pos == tagged.pos:
        return tagged.entry
    for candidate in glossary.lookup(tagged.lemma):
        if candidate.pos == tagged.pos:
            return candidate
    return None


def _exact_entry(tagged: Tagged) -> Entry | None:
    entry = tagged.entry
    return entry if entry is not None and entry.pos == tagged.pos else None


def _word_candidate(
    text: str, sentence: Span, tagged: Tagged, previous: Tagged | None
) -> PhraseCandidate | None:
    word = tagged.word
    if tagged.pos not in CONTENT_TAGS or len(word) < 3 or word in _TRIVIAL:
        return None
    if tagged.pos == "verb" and tagged.lemma in _SKIPPED_LEMMAS:
        return None
    entry = _entry_for(tagged)
    guessed: list[str] = [] if tagged.confident else ["partOfSpeech"]
    candidate = PhraseCandidate(
        phrase=tagged.token.text,
        lemma=tagged.lemma,
        translation=entry.gloss if entry is not None else None,
        part_of_speech=tagged.pos,  # type: ignore[arg-type]  # one of CONTENT_TAGS
        category=_CATEGORY_OF[tagged.pos],
        difficulty=difficulty(word, tagged.lemma),
        context=sentence.text,
        start=tagged.token.start,
    )
    if tagged.pos == "noun":
        previous_word = previous.word if previous is not None and previous.token.is_word else None
        info = noun_info(word, _exact_entry(tagged), tagged.lemma, previous_word)
        if info.guessed:
            guessed += [
                field for field, value in (("gender", info.gender), ("article", info.article)) if value
            ]
        return replace(candidate, gender=info.gender, article=info.article, guessed=tuple(guessed))
    if tagged.pos == "verb":
        conj = conjugation(word, _exact_entry(tagged), tagged.lemma)
        if conj.guessed:
            guessed.append("conjugation")
        return replace(candidate, conjugation=conj.note, guessed=tuple(guessed))
    return replace(candidate, guessed=tuple(guessed))


def _phrase(
    text: str, sentence: Span, parts: Sequence[Tagged], lemma: str, translation: str | None
) -> PhraseCandidate:
    start, end = parts[0].token.start, parts[-1].token.end
    content = [p for p in parts if p.pos in CONTENT_TAGS] or list(parts)
    # A phrase is as hard as its rarest word.
    hardest = min(content, key=lambda p: max(zipf(p.word), zipf(p.lemma)))
    return PhraseCandidate(
        phrase=text[start:end],
        lemma=lemma,
        translation=translation,
        part_of_speech="phrase",
        category="frasesClaves",
        difficulty=difficulty(hardest.word, hardest.lemma),
        context=sentence.text,
        start=start,
    )


def _agrees(noun: Tagged, adjective: Tagged) -> bool:
    noun_plural = noun.word.endswith("s")
    if noun_plural != adjective.word.endswith("s"):
        return False
    entry = _exact_entry(noun)
    gender = entry.gender if entry is not None else None
    adjective_entry = _exact_entry(adjective)
    if adjective_entry is not None and adjective_entry.gender in ("m", "f") and gender in ("m", "f"):
        return adjective_entry.gender == gender
    return True


def _key_phrases(text: str, sentence: Span, tags: Sequence[Tagged]) -> Iterable[PhraseCandidate]:
    for first, end, expression in find_expressions(text, tags):
        yield _phrase(text, sentence, tags[first:end], expression.spanish, expression.gloss)
    for index in range(len(tags)):
        noun = tags[index]
        if noun.pos != "noun" or not noun.confident:
            continue
        if index + 1 < len(tags):
            adjective = tags[index + 1]
            pair = [noun, adjective]
            if adjective.pos == "adjective" and adjacent(text, pair) and _agrees(noun, adjective):
                noun_entry, adjective_entry = _exact_entry(noun), _exact_entry(adjective)
                translation = (
                    f"{adjective_entry.translation} {noun_entry.translation}"
                    if noun_entry is not None and adjective_entry is not None
                    else None
                )
                yield _phrase(text, sentence, pair, f"{noun.word} {adjective.word}", translation)
        if index >= 2:
            verb, determiner = tags[index - 2], tags[index - 1]
            triple = [verb, determiner, noun]
            impersonal = index >= 3 and tags[index - 3].word == "se"  # "se ve una casa": not "sees a house"
            # «¡Qué caro!», dice un cliente: after a quote the noun is the speaker, not an object.
            reporting = verb.token.after_punctuation and verb.lemma in _SPEECH_VERBS
            if (
                verb.pos == "verb"
                and verb.confident
                and not impersonal
                and not reporting
                and verb.lemma not in _LIGHT_VERBS
                and determiner.pos in _OBJECT_DETERMINERS
                and adjacent(text, triple)
            ):
                entries = [_exact_entry(part) for part in triple]
                translation = (
                    " ".join(e.translation for e in entries if e is not None) if all(entries) else None
                )
                yield _phrase(text, sentence, triple, " ".join(p.word for p in triple), translation)


def _candidates(text: str, wanted: frozenset[Category]) -> list[PhraseCandidate]:
    found: list[PhraseCandidate] = []
    for sentence in split_sentences(text):
        tags = tag_spanish(tokenize(sentence.text, sentence.start))
        if "frasesClaves" in wanted:
            found.extend(_key_phrases(text, sentence, tags))
        # Inside an expression only its nouns stand alone: "lado" of "al lado de", not "debajo" of "debajo de".
        in_expression = {
            index
            for first, end, _entry in find_expressions(text, tags)
            for index in range(first, end)
            if tags[index].pos != "noun"
        }
        for index, tagged in enumerate(tags):
            if index in in_expression:
                continue
            if _CATEGORY_OF.get(tagged.pos) in wanted:
                candidate = _word_candidate(text, sentence, tagged, tags[index - 1] if index else None)
                if candidate is not None:
                    found.append(candidate)
    found.sort(key=lambda c: (c.start, -len(c.phrase)))
    unique: dict[tuple[str, Category], PhraseCandidate] = {}
    for candidate in found:
        unique.setdefault((candidate.lemma, candidate.category), candidate)
    return list(unique.values())


def offline_phrases(
    text: str,
    target_level: Level = "intermediate",
    max_phrases: int = 15,
    categories: Sequence[Category] | None = None,
) -> list[PhraseCandidate]:
    """Up to ``max_phrases`` vocabulary candidates from ``text``, in order of appearance."""
    wanted = frozenset(categories or CATEGORIES)
    candidates = _candidates(text, wanted)
    target = LEVELS.index(target_level)
    queues = {
        category: sorted(
            (c for c in candidates if c.category == category),
            key=lambda c: (abs(LEVELS.index(c.difficulty) - target), c.start),
        )
        for category in CATEGORIES
        if category in wanted
    }
    chosen: list[PhraseCandidate] = []
    while len(chosen) < max_phrases and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < max_phrases:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda c: (c.start, c.category))

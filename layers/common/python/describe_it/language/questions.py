"""Offline comprehension questions (spec §6.1, offline mode): templates over the text's own words.

The text (Spanish or English, guessed from its words) is split into sentences and tagged; each template
below turns one of its nouns, verbs or adjectives into a question whose answer is taken from the text:

| template | category | natural difficulty | answer |
| --- | --- | --- | --- |
| ¿Qué hay en la imagen según el texto? | Comprensión | facil | nouns of the text |
| ¿Qué artículo acompaña a «casa» en el texto? (Spanish texts) | Gramática | facil | the article before it |
| Según el texto, ¿qué se dice de «casa»? | Comprensión | facil | its sentence |
| ¿Qué palabra del texto significa «house»? | Vocabulario | by the word's frequency | the word |
| Según el texto, ¿cómo es «casa»? | Comprensión | medio | the adjective with it |
| Completa: «Un niño lee un ____.» (noun, adjective) | Vocabulario | medio (rare word: dificil) | the word |
| Completa: … (verb) | Gramática | dificil (common verb: medio) | the verb form |
| Describe «casa» con tus palabras, según el texto. | Expresión | dificil | its sentence (a model answer) |

The questions are worded in ``language`` (``es`` or ``en``), whatever the text's language. There is no
Cultura template: culture needs knowledge the text does not hold. ``difficulty_plan`` fixes how many
questions of each difficulty there are (``mixed`` = 40/40/20 % by largest remainder: 5 → 2/2/1); each slot
takes the unused question closest to its difficulty, preferring a word and a template not used yet, and is
labelled with the slot's difficulty. With ``include_options`` every question has four options — the answer
and three distinct distractors of the same kind (other words of the text with the same part of speech,
then glossary words of the same part of speech, gender and number or verb form; for sentence answers the
text's other sentences; for articles the other three articles) — in an order fixed by a hash of the
question, so the same input gives the same output. Fewer usable questions than ``count`` (a very short
text) raises ``NotEnoughText``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from describe_it.language import glossary
from describe_it.language.detect import guess_language
from describe_it.language.frequency import Level, difficulty
from describe_it.language.glossary import Entry
from describe_it.language.morphology import conjugation, noun_info
from describe_it.language.sentences import Span, split_sentences, tokenize
from describe_it.language.tagging import Tagged, find_expressions, tag_english, tag_spanish

QuestionDifficulty = Literal["facil", "medio", "dificil"]
DIFFICULTIES: tuple[QuestionDifficulty, ...] = get_args(QuestionDifficulty)
RequestedDifficulty = Literal["facil", "medio", "dificil", "mixed"]
QuestionCategory = Literal["Vocabulario", "Gramática", "Cultura", "Comprensión", "Expresión"]
QUESTION_CATEGORIES: tuple[QuestionCategory, ...] = get_args(QuestionCategory)
MIXED_TENTHS = (4, 4, 2)  # facil / medio / dificil shares of a mixed set
OPTION_COUNT = 4

_LEVEL_DIFFICULTY: dict[Level, QuestionDifficulty] = {
    "beginner": "facil",
    "intermediate": "medio",
    "advanced": "dificil",
}
_ARTICLE_GROUPS = (("el", "la", "los", "las"), ("un", "una", "unos", "unas"))
_SKIPPED_LEMMAS = frozenset({"ser", "estar", "haber", "be", "have", "do"})
_META = frozenset(
    {"imagen", "foto", "fotografía", "texto", "image", "picture", "photo", "photograph", "text"}
)
_TEMPLATES: dict[str, dict[str, str]] = {
    "es": {
        "picture": "¿Qué hay en la imagen según el texto?",
        "about": "Según el texto, ¿qué se dice de «{word}»?",
        "means": "¿Qué palabra del texto significa «{meaning}»?",
        "cloze": "Completa: «{sentence}»",
        "article": "¿Qué artículo acompaña a «{word}» en el texto?",
        "like": "Según el texto, ¿cómo es «{word}»?",
        "describe": "Describe «{word}» con tus palabras, según el texto.",
    },
    "en": {
        "picture": "What is in the picture, according to the text?",
        "about": "According to the text, what is said about “{word}”?",
        "means": "Which word in the text means “{meaning}”?",
        "cloze": "Complete: “{sentence}”",
        "article": "Which article goes with “{word}” in the text?",
        "like": "According to the text, what is “{word}” like?",
        "describe": "Describe “{word}” in your own words, using the text.",
    },
}
_BLANK = "____"


class NotEnoughText(ValueError):
    """The text has too few words to make the requested number of questions."""


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    difficulty: QuestionDifficulty
    category: QuestionCategory
    options: tuple[str, ...] | None = None
    correct_index: int | None = None


@dataclass(frozen=True)
class _Word:
    tagged: Tagged
    sentence: Span
    previous: Tagged | None
    following: Tagged | None
    level: Level

    @property
    def text(self) -> str:
        return self.tagged.token.text


@dataclass(frozen=True)
class _Draft:
    kind: str
    level: QuestionDifficulty
    category: QuestionCategory
    question: str
    answer: str
    target: str
    distractors: tuple[str, ...] = field(default=())


def difficulty_plan(count: int, requested: RequestedDifficulty) -> list[QuestionDifficulty]:
    """The difficulty of each of ``count`` questions: all the same, or 40/40/20 % for ``mixed``, rounded by
    largest remainder (ties to the easier band): 1 → 1/0/0, 3 → 1/1/1, 4 → 2/1/1, 5 → 2/2/1, 10 → 4/4/2."""
    if requested != "mixed":
        return [requested] * count
    counts = [count * tenths // 10 for tenths in MIXED_TENTHS]
    remainders = sorted(range(3), key=lambda i: (-(count * MIXED_TENTHS[i] % 10), i))
    for index in remainders[: count - sum(counts)]:
        counts[index] += 1
    return [level for level, n in zip(DIFFICULTIES, counts, strict=True) for _ in range(n)]


def _words(text: str, source: str) -> tuple[list[Span], list[_Word]]:
    sentences = split_sentences(text)
    words: list[_Word] = []
    for sentence in sentences:
        tokens = tokenize(sentence.text, sentence.start)
        tags = tag_spanish(tokens) if source == "es" else tag_english(tokens)
        # Words of an expression ("lado" in "al lado de") and words about the picture itself are no topic.
        in_expression = {i for first, end, _ in find_expressions(text, tags) for i in range(first, end)}
        for index, tagged in enumerate(tags):
            if tagged.pos not in ("noun", "verb", "adjective") or len(tagged.word) < 3:
                continue
            if tagged.lemma in _SKIPPED_LEMMAS or tagged.lemma in _META or index in in_expression:
                continue
            words.append(
                _Word(
                    tagged,
                    sentence,
                    tags[index - 1] if index else None,
                    tags[index + 1] if index + 1 < len(tags) else None,
                    difficulty(tagged.word, tagged.lemma, source),
                )
            )
    return sentences, words


def _first_per_lemma(words: Sequence[_Word], pos: str) -> list[_Word]:
    seen: dict[str, _Word] = {}
    for word in words:
        if word.tagged.pos == pos:
            seen.setdefault(word.tagged.lemma, word)
    return list(seen.values())


def _cloze(word: _Word) -> str:
    sentence, token = word.sentence, word.tagged.token
    start, end = token.start - sentence.start, token.end - sentence.start
    return sentence.text[:start] + _BLANK + sentence.text[end:]


def _spanish_shape(word: _Word) -> tuple[str | None, str | None]:
    """(glossary gender, glossary form) that distractors for this Spanish word should share."""
    tagged = word.tagged
    entry = tagged.entry if tagged.entry is not None and tagged.entry.pos == tagged.pos else None
    if tagged.pos == "verb":
        if entry is not None:
            return None, entry.form
        conj = conjugation(tagged.word, None, tagged.lemma)
        return None, f"{conj.tense}.{'/'.join(conj.persons)}" if conj.persons else conj.tense
    if entry is not None:
        return entry.gender, entry.form
    if tagged.pos == "noun":
        previous = word.previous.word if word.previous is not None else None
        info = noun_info(tagged.word, None, tagged.lemma, previous)
        gender = {"masculino": "m", "femenino": "f", None: None}[info.gender]
        return gender, "pl" if info.plural else "sg"
    return None, "pl" if tagged.word.endswith("s") else "sg"


def _glossary_words(pos: str, gender: str | None, form: str | None, english: bool, near: int) -> list[str]:
    """Glossary words (or their English translations) of one shape, the closest in frequency first."""
    entries: list[Entry] = [
        e
        for e in glossary.get_glossary().entries
        if e.rank is not None
        and e.pos == pos
        and (gender is None or e.gender == gender or e.gender == "mf")
        and (form is None or e.form == form)
        and not any("vulgar" in sense for sense in e.senses)  # never offered as a distractor
    ]
    entries.sort(key=lambda e: (abs((e.rank or 0) - near), e.rank))
    if not english:
        return [e.spanish for e in entries]
    # English words for a one-word blank: "to walk" → "walk"; "is going" does not fit and is left out.
    translations = (e.translation.removeprefix("to ") for e in entries)
    return [t for t in translations if " " not in t]


def _english_shape(tagged: Tagged) -> str:
    """The glossary form whose English translations look like this English word."""
    word = tagged.word
    if tagged.pos != "verb":
        return "pl" if word.endswith("s") and len(word) > 3 else "sg"
    if word.endswith("ing"):
        return "ger"
    if word.endswith("ed"):
        return "pret.3s"
    return "pres.3s" if word.endswith("s") else "inf"


def _word_distractors(word: _Word, words: Sequence[_Word], source: str) -> tuple[str, ...]:
    tagged = word.tagged
    plural = tagged.word.endswith("s")
    same_kind = [
        w.text
        for w in words
        if w.tagged.pos == tagged.pos
        and w.tagged.lemma != tagged.lemma
        and w.tagged.word.endswith("s") == plural
    ]
    rank = tagged.entry.rank if tagged.entry is not None and tagged.entry.rank is not None else 1500
    if source == "es":
        gender, form = _spanish_shape(word)
        from_glossary = _glossary_words(tagged.pos, gender, form, False, rank)
    else:
        form = _english_shape(tagged)
        from_glossary = _glossary_words(tagged.pos, None, form, True, 300)
    return tuple(same_kind + from_glossary)


def _meaning(word: _Word, source: str) -> str | None:
    if source == "es":
        entry = word.tagged.entry
        return entry.translation if entry is not None and entry.pos == word.tagged.pos else None
    return glossary.translate(word.tagged.word, "en", "es")


def _drafts(text: str, language: str) -> tuple[list[_Draft], str]:
    source = guess_language(text)
    templates = _TEMPLATES[language]
    sentences, words = _words(text, source)
    sentence_texts = tuple(s.text for s in sentences)
    nouns = _first_per_lemma(words, "noun")
    drafts: list[_Draft] = []

    def other_sentences(word: _Word) -> tuple[str, ...]:
        return tuple(s for s in sentence_texts if s != word.sentence.text)

    if nouns:
        in_text = {w.tagged.word for w in words} | {w.tagged.lemma for w in words}
        first = nouns[0]
        gender, form = _spanish_shape(first) if source == "es" else (None, _english_shape(first.tagged))
        rank = first.tagged.entry.rank if first.tagged.entry is not None and first.tagged.entry.rank else 300
        absent = [
            w
            for w in _glossary_words("noun", gender, form, source == "en", rank)
            if w.casefold() not in in_text and w.casefold() not in _META
        ]
        listed = ", ".join(n.text for n in nouns[:3])
        # Without options the answer lists what the text names; with options it is one of them among
        # glossary nouns the text does not mention.
        drafts.append(_Draft("picture", "facil", "Comprensión", templates["picture"], listed, first.text))
        drafts.append(
            _Draft(
                "picture-choice",
                "facil",
                "Comprensión",
                templates["picture"],
                first.text,
                first.text,
                tuple(absent),
            )
        )
    for noun in nouns:
        previous = noun.previous.word if noun.previous is not None else None
        group = next((g for g in _ARTICLE_GROUPS if previous in g), None)
        if source == "es" and group is not None and previous is not None:
            question = templates["article"].format(word=noun.text)
            drafts.append(_Draft("article", "facil", "Gramática", question, previous, noun.text, group))
        question = templates["about"].format(word=noun.text)
        drafts.append(
            _Draft(
                "about",
                "facil",
                "Comprensión",
                question,
                noun.sentence.text,
                noun.text,
                other_sentences(noun),
            )
        )
        adjective = _adjective_of(noun, source)
        if adjective is not None:
            question = templates["like"].format(word=noun.text)
            distractors = _word_distractors(adjective, words, source)
            drafts.append(
                _Draft("like", "medio", "Comprensión", question, adjective.text, noun.text, distractors)
            )
    seen_targets: set[tuple[str, str]] = set()
    for word in words:
        key = (word.tagged.lemma, word.tagged.pos)
        if key in seen_targets:
            continue
        seen_targets.add(key)
        distractors = _word_distractors(word, words, source)
        meaning = _meaning(word, source)
        if meaning is not None and meaning.casefold() != word.tagged.word:
            question = templates["means"].format(meaning=meaning)  # the meaning in the other language
            level = _LEVEL_DIFFICULTY[word.level]
            drafts.append(_Draft("means", level, "Vocabulario", question, word.text, word.text, distractors))
        question = templates["cloze"].format(sentence=_cloze(word))
        if word.tagged.pos == "verb":
            level = "medio" if word.level == "beginner" else "dificil"
            drafts.append(
                _Draft("cloze-verb", level, "Gramática", question, word.text, word.text, distractors)
            )
        else:
            level = "dificil" if word.level == "advanced" else "medio"
            drafts.append(_Draft("cloze", level, "Vocabulario", question, word.text, word.text, distractors))
    for noun in nouns:
        question = templates["describe"].format(word=noun.text)
        drafts.append(
            _Draft(
                "describe",
                "dificil",
                "Expresión",
                question,
                noun.sentence.text,
                noun.text,
                other_sentences(noun),
            )
        )
    return drafts, source


def _adjective_of(noun: _Word, source: str) -> _Word | None:
    """The adjective right after a Spanish noun (*casa roja*) or right before an English one (*red house*)."""
    neighbour = noun.following if source == "es" else noun.previous
    if neighbour is None or neighbour.pos != "adjective":
        return None
    return _Word(neighbour, noun.sentence, None, None, noun.level)


def _options(draft: _Draft) -> tuple[tuple[str, ...], int] | None:
    """The answer and three distinct distractors in a fixed order, or None when there are too few."""
    chosen: dict[str, str] = {draft.answer.casefold(): draft.answer}
    for candidate in draft.distractors:
        if len(chosen) == OPTION_COUNT:
            break
        chosen.setdefault(candidate.casefold(), candidate)
    if len(chosen) < OPTION_COUNT:
        return None

    def order(option: str) -> str:
        return hashlib.sha256(f"{draft.question}\x00{option}".encode()).hexdigest()

    options = tuple(sorted(chosen.values(), key=order))
    return options, options.index(draft.answer)


def offline_questions(
    text: str,
    language: Literal["es", "en"] = "es",
    count: int = 5,
    difficulty: RequestedDifficulty = "mixed",
    include_options: bool = False,
) -> list[Question]:
    """Exactly ``count`` questions about ``text``, worded in ``language``."""
    drafts, _source = _drafts(text, language)
    usable: list[tuple[_Draft, tuple[tuple[str, ...], int] | None]] = []
    seen_questions: set[str] = set()
    for draft in drafts:
        if draft.kind == ("picture" if include_options else "picture-choice"):
            continue
        options = _options(draft) if include_options else None
        if (include_options and options is None) or draft.question in seen_questions:
            continue
        seen_questions.add(draft.question)
        usable.append((draft, options))
    plan = difficulty_plan(count, difficulty)
    if len(usable) < len(plan):
        raise NotEnoughText(f"the text gives {len(usable)} questions, {len(plan)} were asked for")
    used_targets: Counter[str] = Counter()
    used_kinds: Counter[str] = Counter()
    questions: list[Question] = []
    for slot in plan:
        wanted = DIFFICULTIES.index(slot)
        index = min(
            range(len(usable)),
            key=lambda i: (
                abs(DIFFICULTIES.index(usable[i][0].level) - wanted),
                used_targets[usable[i][0].target.casefold()],
                used_kinds[usable[i][0].kind],
                i,
            ),
        )
        draft, options = usable.pop(index)
        used_targets[draft.target.casefold()] += 1
        used_kinds[draft.kind] += 1
        questions.append(
            Question(
                question=draft.question,
                answer=draft.answer,
                difficulty=slot,
                category=draft.category,
                options=options[0] if options else None,
                correct_index=options[1] if options else None,
            )
        )
    return questions

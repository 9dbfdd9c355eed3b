"""Part-of-speech guesses, noun gender and article, conjugation notes, frequency bands."""

from __future__ import annotations

import pytest

from describe_it.language import glossary
from describe_it.language.frequency import difficulty, level_for_zipf
from describe_it.language.morphology import conjugation, noun_info
from describe_it.language.sentences import tokenize
from describe_it.language.tagging import tag_english, tag_spanish


def _tags(text: str, english: bool = False) -> list[tuple[str, str]]:
    tagger = tag_english if english else tag_spanish
    return [(t.token.text, t.pos) for t in tagger(tokenize(text))]


@pytest.mark.parametrize(
    ("text", "word", "pos"),
    [
        ("el vino tinto", "vino", "noun"),  # after an article: the noun of a homograph
        ("él vino ayer", "vino", "verb"),  # after a subject pronoun: the verb
        ("un hecho curioso", "hecho", "noun"),
        ("lo ha hecho", "hecho", "verb"),  # after haber: the participle
        ("la veo", "la", "pronoun"),  # before a verb-only word
        ("la casa", "la", "article"),
        ("camina lentamente", "lentamente", "adverb"),  # -mente
        ("una sombrilla", "sombrilla", "noun"),  # unknown, after an article
        ("quiere pasear", "pasear", "verb"),  # infinitive ending
        ("sigue caminando", "caminando", "verb"),  # gerund
        ("el cielo nublado", "nublado", "adjective"),  # participle after a noun
        ("el cielo está despejado", "despejado", "adjective"),  # participle after estar
        ("las montañas lejanas", "lejanas", "adjective"),  # after a noun, agreeing ending
        ("vive con Lucía", "Lucía", "name"),  # capitalised, unknown, inside a sentence
    ],
)
def test_spanish_part_of_speech_guesses(text: str, word: str, pos: str) -> None:
    assert (word, pos) in _tags(text)


@pytest.mark.parametrize(
    ("text", "word", "pos"),
    [
        ("the red house", "house", "noun"),
        ("the red house", "red", "adjective"),
        ("she walks slowly", "slowly", "adverb"),
        ("a strange gadget", "gadget", "noun"),
    ],
)
def test_english_part_of_speech_guesses(text: str, word: str, pos: str) -> None:
    assert (word, pos) in _tags(text, english=True)


def test_glossary_words_are_confident_and_rule_guesses_are_not() -> None:
    tags = {t.token.text: t for t in tag_spanish(tokenize("la casa parece frondosa"))}
    assert tags["casa"].confident and tags["casa"].entry is not None
    assert not tags["frondosa"].confident


@pytest.mark.parametrize(
    ("word", "lemma", "previous", "gender", "article", "source"),
    [
        ("casa", "casa", None, "femenino", "la", "glossary"),
        ("casas", "casa", None, "femenino", "las", "glossary"),
        ("agua", "agua", None, "femenino", "el", "glossary"),  # el agua
        ("ventanas", "ventana", "unas", "femenino", "las", "text"),
        ("árboles", "árbol", "los", "masculino", "los", "text"),
        ("sombrilla", "sombrilla", None, "femenino", "la", "ending"),
        ("tejados", "tejado", None, "masculino", "los", "ending"),
        ("ilusión", "ilusión", None, "femenino", "la", "ending"),
        ("tomate", "tomate", None, None, None, "ending"),  # -e says nothing: no guess
    ],
)
def test_noun_gender_and_article(
    word: str, lemma: str, previous: str | None, gender: str | None, article: str | None, source: str
) -> None:
    entry = next((e for e in glossary.lookup(word) if e.pos == "noun"), None)
    info = noun_info(word, entry, lemma, previous)
    assert (info.gender, info.article, info.source) == (gender, article, source)
    assert info.guessed == (source != "glossary")


@pytest.mark.parametrize(
    ("word", "lemma", "note"),
    [
        ("tiene", "tener", "tiene — presente, 3.ª persona singular de tener"),
        ("era", "ser", "era — pretérito imperfecto, 1.ª o 3.ª persona singular de ser"),
        ("hecho", "hacer", "hecho — participio de hacer"),
        ("camina", "caminar", "camina — presente, 3.ª persona singular de caminar (probable)"),
        (
            "caminaban",
            "caminar",
            "caminaban — pretérito imperfecto, 3.ª persona plural de caminar (probable)",
        ),
        ("comieron", "comer", "comieron — pretérito indefinido, 3.ª persona plural de comer (probable)"),
        ("viviremos", "vivir", "viviremos — futuro, 1.ª persona plural de vivir (probable)"),
        ("duerme", "dormir", "duerme — presente, 3.ª persona singular de dormir (probable)"),
        ("sirvió", "servir", "sirvió — pretérito indefinido, 3.ª persona singular de servir (probable)"),
        ("paseando", "pasear", "paseando — gerundio de pasear (probable)"),
        ("pasear", "pasear", "pasear — infinitivo"),
        ("anduvo", "andar", "anduvo — forma de andar (probable)"),  # irregular, not in the glossary
    ],
)
def test_conjugation_notes(word: str, lemma: str, note: str) -> None:
    entry = next((e for e in glossary.lookup(word) if e.pos == "verb" and e.lemma == lemma), None)
    assert conjugation(word, entry, lemma).note == note


@pytest.mark.parametrize(
    ("word", "lemma", "level"),
    [
        ("casa", None, "beginner"),
        ("atardecer", None, "intermediate"),
        ("frondoso", None, "advanced"),
        ("caminaba", "caminar", "beginner"),  # as easy as its lemma
    ],
)
def test_difficulty_bands(word: str, lemma: str | None, level: str) -> None:
    assert difficulty(word, lemma) == level


def test_band_thresholds() -> None:
    assert [level_for_zipf(z) for z in (4.5, 4.49, 3.5, 3.49)] == [
        "beginner",
        "intermediate",
        "intermediate",
        "advanced",
    ]

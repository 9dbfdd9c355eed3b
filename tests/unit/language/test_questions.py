"""Offline questions: exact counts, the difficulty mix, option invariants, answers from the text."""

from __future__ import annotations

from collections import Counter

import pytest

from describe_it.language.questions import (
    QUESTION_CATEGORIES,
    NotEnoughText,
    difficulty_plan,
    offline_questions,
)

SPANISH = (
    "En la imagen se ve una casa roja al lado de un río tranquilo. Un niño lee un libro debajo de un árbol "
    "grande, mientras su perro negro duerme tranquilamente. El cielo está despejado y hace sol. "
    "Unas montañas altas aparecen al fondo."
)
ENGLISH = (
    "A red house stands next to a calm river. A boy reads a book under a big tree while his black dog "
    "sleeps. The sky is clear and the sun shines. Tall mountains rise in the distance."
)


@pytest.mark.parametrize(
    ("count", "split"),
    [
        (1, (1, 0, 0)),
        (2, (1, 1, 0)),
        (3, (1, 1, 1)),
        (4, (2, 1, 1)),
        (5, (2, 2, 1)),
        (7, (3, 3, 1)),
        (10, (4, 4, 2)),
    ],
)
def test_mixed_is_40_40_20_rounded(count: int, split: tuple[int, int, int]) -> None:
    plan = Counter(difficulty_plan(count, "mixed"))
    assert (plan["facil"], plan["medio"], plan["dificil"]) == split


def test_a_single_difficulty_is_all_questions() -> None:
    assert difficulty_plan(4, "dificil") == ["dificil"] * 4


@pytest.mark.parametrize("text", [SPANISH, ENGLISH])
@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("count", range(1, 11))
def test_exactly_count_questions_with_the_requested_mix(text: str, language: str, count: int) -> None:
    questions = offline_questions(text, language, count, "mixed")  # type: ignore[arg-type]
    assert len(questions) == count
    assert [q.difficulty for q in questions] == difficulty_plan(count, "mixed")
    assert all(q.category in QUESTION_CATEGORIES for q in questions)
    assert len({q.question for q in questions}) == count
    assert all(q.options is None and q.correct_index is None for q in questions)


@pytest.mark.parametrize("difficulty", ["facil", "medio", "dificil"])
def test_a_requested_difficulty_labels_every_question(difficulty: str) -> None:
    questions = offline_questions(SPANISH, "es", 5, difficulty)  # type: ignore[arg-type]
    assert {q.difficulty for q in questions} == {difficulty}


@pytest.mark.parametrize("text", [SPANISH, ENGLISH])
@pytest.mark.parametrize("language", ["es", "en"])
def test_options_are_four_distinct_with_the_answer_exactly_once(text: str, language: str) -> None:
    questions = offline_questions(text, language, 10, "mixed", include_options=True)  # type: ignore[arg-type]
    assert len(questions) == 10
    for q in questions:
        assert q.options is not None and q.correct_index is not None
        assert len(q.options) == 4
        assert len({o.casefold() for o in q.options}) == 4
        assert [o.casefold() for o in q.options].count(q.answer.casefold()) == 1
        assert q.options[q.correct_index] == q.answer
        assert all(o.strip() for o in q.options)


@pytest.mark.parametrize("text", [SPANISH, ENGLISH])
def test_answers_are_taken_from_the_text(text: str) -> None:
    for q in offline_questions(text, "es", 10, "mixed"):
        parts = q.answer.split(", ") if q.question.startswith("¿Qué hay en la imagen") else [q.answer]
        for part in parts:
            assert part in text, (q.question, q.answer)


def test_questions_are_worded_in_the_requested_language() -> None:
    spanish = offline_questions(SPANISH, "es", 10, "mixed")
    english = offline_questions(SPANISH, "en", 10, "mixed")
    assert all(q.question.startswith(("¿", "Según", "Completa", "Describe")) for q in spanish)
    assert all(q.question.startswith(("What", "According", "Complete", "Describe", "Which")) for q in english)


def test_a_cloze_blanks_the_answer_in_its_sentence() -> None:
    cloze = [q for q in offline_questions(SPANISH, "es", 10, "mixed") if q.question.startswith("Completa")]
    assert cloze
    for q in cloze:
        sentence = q.question.removeprefix("Completa: «").removesuffix("»")
        assert sentence.replace("____", q.answer, 1) in SPANISH


def test_the_article_question_answers_with_the_article_of_the_text() -> None:
    article = [q for q in offline_questions(SPANISH, "es", 10, "facil", True) if "artículo" in q.question]
    assert article
    for q in article:
        assert q.category == "Gramática"
        assert q.options is not None and set(q.options) in (
            {"el", "la", "los", "las"},
            {"un", "una", "unos", "unas"},
        )


def test_no_vulgar_word_is_ever_a_distractor() -> None:
    for text in (SPANISH, ENGLISH):
        for q in offline_questions(text, "es", 10, "mixed", True):
            assert q.options is not None
            assert not {o.casefold() for o in q.options} & {"mierda", "puta", "culo", "shit", "carajo"}


@pytest.mark.parametrize("include_options", [False, True])
def test_same_input_same_output(include_options: bool) -> None:
    first = offline_questions(SPANISH, "es", 7, "mixed", include_options)
    assert first == offline_questions(SPANISH, "es", 7, "mixed", include_options)


def test_a_text_too_short_for_the_count_is_refused_not_padded() -> None:
    with pytest.raises(NotEnoughText):
        offline_questions("Hola.", "es", 5, "mixed")
    with pytest.raises(NotEnoughText):
        offline_questions("Un gato.", "es", 10, "mixed", include_options=True)

"""The correctness rules of spec §6.3: indexes, then the client's flag, then token-set overlap ≥ 0.8."""

from __future__ import annotations

from fractions import Fraction

import pytest

from describe_it.qa.grading import THRESHOLD, Ungradable, fold, grade, similarity, words


def graded(**kwargs: object) -> tuple[bool, Fraction | None]:
    args: dict[str, object] = {
        "correct_answer": "la casa roja", "user_answer": None, "options": None, "selected_index": None,
        "correct_index": None, "is_correct": None, **kwargs,
    }  # fmt: skip
    result = grade(**args)  # type: ignore[arg-type]
    return result.is_correct, result.similarity


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # 1. both indexes: they decide, whatever the flag or the text say
        ({"selected_index": 2, "correct_index": 2, "is_correct": False, "user_answer": "nada"}, (True, None)),
        ({"selected_index": 1, "correct_index": 2, "is_correct": True, "user_answer": "la casa roja"}, (False, None)),
        ({"selected_index": 0, "correct_index": 0}, (True, None)),
        # 2. no pair of indexes: the client's flag decides
        ({"correct_index": 2, "is_correct": True, "user_answer": "otra cosa"}, (True, None)),
        ({"selected_index": 2, "is_correct": False, "user_answer": "la casa roja"}, (False, None)),
        ({"is_correct": True, "user_answer": ""}, (True, None)),
        # 3. neither: the text, folded, as sets of words
        ({"user_answer": "La Casa Roja"}, (True, Fraction(1))),
        ({"user_answer": "¡la casa... roja!"}, (True, Fraction(1))),
        ({"user_answer": "roja casa la"}, (True, Fraction(1))),
        ({"user_answer": "la la casa roja roja"}, (True, Fraction(1))),
        ({"user_answer": "la casa"}, (False, Fraction(2, 3))),
        ({"user_answer": "la casa azul"}, (False, Fraction(2, 4))),
        ({"user_answer": "el perro"}, (False, Fraction(0))),
        ({"user_answer": ""}, (False, Fraction(0))),
        ({"user_answer": "?!"}, (False, Fraction(0))),
        # the selected option's text when there is no userAnswer and no correctIndex
        ({"options": ["el coche", "la casa roja"], "selected_index": 1}, (True, Fraction(1))),
        ({"options": ["el coche", "la casa roja"], "selected_index": 0}, (False, Fraction(0))),
    ],
)  # fmt: skip
def test_rules_in_order(kwargs: dict[str, object], expected: tuple[bool, Fraction | None]) -> None:
    assert graded(**kwargs) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Él está en el jardín", "el esta en el jardin"),  # accents
        ("ÁRBOL", "arbol"),  # case and accents together
        ("niño", "nino"),  # ñ folds too: a learner without a Spanish keyboard is not wrong
        ("pingüino", "pinguino"),
        ("¿Qué?", "que"),
        ("café-con_leche", "cafe con leche"),  # punctuation and "_" separate words
    ],
)
def test_accents_case_and_punctuation_do_not_count(answer: str, expected: str) -> None:
    assert similarity(answer, expected) == 1
    assert graded(correct_answer=expected, user_answer=answer) == (True, Fraction(1))


def test_the_boundary_is_exactly_four_fifths() -> None:
    expected = "el gato negro duerme mucho"
    assert similarity("el gato negro duerme", expected) == Fraction(4, 5) == THRESHOLD
    assert graded(correct_answer=expected, user_answer="el gato negro duerme") == (True, Fraction(4, 5))
    # one extra word on top of the four: 4 of 6 — extra words cost as much as missing ones
    assert graded(correct_answer=expected, user_answer="el gato negro duerme poco")[0] is False
    # just under: 7 of 9
    nine = "uno dos tres cuatro cinco seis siete ocho nueve"
    assert similarity("uno dos tres cuatro cinco seis siete", nine) == Fraction(7, 9)
    assert graded(correct_answer=nine, user_answer="uno dos tres cuatro cinco seis siete")[0] is False
    # just over: 9 of 11 (0.818…)
    eleven = " ".join(f"w{i}" for i in range(11))
    assert graded(correct_answer=eleven, user_answer=" ".join(f"w{i}" for i in range(9)))[0] is True


def test_texts_without_words() -> None:
    assert similarity("?", "?") == 1
    assert similarity("¿?", "!") == 0
    assert words("¡¿...?!") == frozenset()


def test_nothing_to_grade_is_refused() -> None:
    with pytest.raises(Ungradable):
        graded(selected_index=1)  # an index without correctIndex, options or a flag
    with pytest.raises(Ungradable):
        graded(selected_index=1, options=None, user_answer=None)


def test_fold() -> None:
    assert fold("¿Está EL Niño?") == "¿esta el nino?"
    assert fold("ﬁn") == "fin"  # compatibility forms are folded as well

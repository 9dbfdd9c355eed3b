"""Plain prose from a model's text: word counts, the maxLength cut at a sentence end, markdown dropped."""

from __future__ import annotations

import pytest

from describe_it.ai.text import ELLIPSIS, plain_prose, trim_to_words, word_count


def test_words_are_tokens_with_a_letter() -> None:
    assert word_count("Un gato — 3 veces, ¡sí! 42 …") == 4  # Un, gato, veces, ¡sí!
    assert word_count("") == 0


def test_a_text_within_the_limit_is_unchanged() -> None:
    text = "A red house. Two windows."
    assert trim_to_words(text, 5) == (text, 5, False)


def test_a_long_text_is_cut_at_the_last_sentence_end_within_the_limit() -> None:
    text = "One two three. Four five six! Seven eight nine ten eleven."

    cut, count, truncated = trim_to_words(text, 8)

    assert (cut, count, truncated) == ("One two three. Four five six!", 6, True)


def test_closing_quotes_after_the_full_stop_stay_with_the_sentence() -> None:
    cut, _, _ = trim_to_words('She said "hola." Then she left the room quietly.', 5)
    assert cut == 'She said "hola."'


def test_without_a_sentence_end_it_is_a_hard_cut_with_an_ellipsis() -> None:
    cut, count, truncated = trim_to_words("uno dos tres cuatro, cinco seis siete", 4)

    assert cut == "uno dos tres cuatro" + ELLIPSIS
    assert (count, truncated) == (4, True)


def test_the_cut_never_exceeds_the_limit_and_keeps_paragraphs() -> None:
    text = "First paragraph has five words.\n\nSecond one has some more words here. And more."
    cut, count, _ = trim_to_words(text, 12)
    assert count <= 12
    assert cut == "First paragraph has five words.\n\nSecond one has some more words here."


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50])
def test_any_limit_is_respected(limit: int) -> None:
    text = " ".join(f"w{i}." if i % 4 == 0 else f"w{i}" for i in range(1, 60))
    cut, count, _ = trim_to_words(text, limit)
    assert count == word_count(cut) <= limit


def test_markdown_is_dropped_and_paragraphs_kept() -> None:
    text = "# A title\n\n**Una casa** roja con *dos* ventanas.\n- sin lista\n\nOtro   párrafo."
    assert plain_prose(text) == "A title\n\nUna casa roja con dos ventanas. sin lista\n\nOtro párrafo."

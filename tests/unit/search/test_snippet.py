"""Snippets of description search hits: ≤ 200 characters of plain text around the first match."""

from __future__ import annotations

import pytest

from describe_it.search.descriptions import SNIPPET_MAX, snippet
from describe_it.search.descriptions_repository import MARK_END, MARK_START


def mark(word: str) -> str:
    return f"{MARK_START}{word}{MARK_END}"


def test_a_short_text_is_the_snippet_whole_without_marks() -> None:
    assert (
        snippet(f"Un {mark('niño')} corre\n\ny una {mark('niña')}  salta.")
        == "Un niño corre y una niña salta."
    )


def test_a_long_text_is_cut_around_the_first_match_at_word_boundaries() -> None:
    before = " ".join(f"antes{i}" for i in range(40))
    after = " ".join(f"después{i}" for i in range(40))
    text = f"{before} el {mark('perro')} come y otro {mark('perro')} duerme {after}"
    out = snippet(text)
    assert len(out) <= SNIPPET_MAX
    assert out.startswith("…") and out.endswith("…")
    assert "el perro come y otro perro duerme" in out
    assert MARK_START not in out and MARK_END not in out
    assert 40 <= out.index("perro") <= 70  # some context before the match, most of the room after it
    words = out.strip("…").split(" ")
    assert all(w.startswith(("antes", "después")) or w in "el perro come y otro duerme" for w in words)


def test_a_match_near_the_start_keeps_the_start() -> None:
    text = f"El {mark('gato')} " + "duerme mucho " * 40
    out = snippet(text)
    assert out.startswith("El gato duerme") and out.endswith("…") and len(out) <= SNIPPET_MAX


def test_a_match_near_the_end_keeps_the_end() -> None:
    text = "palabra " * 60 + f"y al final el {mark('mar')}."
    out = snippet(text)
    assert out.startswith("…") and out.endswith("y al final el mar.") and len(out) <= SNIPPET_MAX


def test_without_a_mark_the_start_of_the_text() -> None:
    out = snippet("uno dos tres " * 40)
    assert out.startswith("uno dos tres") and out.endswith("…") and len(out) <= SNIPPET_MAX


@pytest.mark.parametrize("limit", [20, 50, 200])
def test_never_longer_than_the_limit_even_in_one_huge_word(limit: int) -> None:
    text = "x" * 500 + f" {mark('agua')} " + "y" * 500
    out = snippet(text, limit)
    assert len(out) <= limit
    assert snippet(mark("z" * 1000), limit).startswith("z") and len(snippet(mark("z" * 1000), limit)) <= limit


def test_markup_in_the_text_stays_plain_text() -> None:
    # the stored text is plain; nothing is added or interpreted
    assert snippet(f"<b>no</b> {mark('casa')} &amp;") == "<b>no</b> casa &amp;"

"""Quizlet export: one ``term<TAB>definition`` line per item, nothing that splits a line or a column."""

from __future__ import annotations

import io
from dataclasses import replace

from describe_it.export.quizlet import write_quizlet
from tests.unit.export import synthetic


def test_term_tab_definition_lines() -> None:
    sink = io.BytesIO()

    count = write_quizlet(sink, synthetic.vocabulary_batches(7, batch_size=3))

    lines = sink.getvalue().decode("utf-8").split("\n")
    assert count == 7
    assert lines[-1] == ""  # every line ends with a newline
    assert lines[:3] == ["el niño\tthe boy", "¿Qué?\tWhat?", "el corazón\tthe heart"]
    assert all(line.count("\t") == 1 for line in lines[:-1])
    assert not sink.getvalue().startswith(b"\xef\xbb\xbf")  # pasted text: no BOM


def test_tabs_and_line_breaks_inside_cells_become_spaces() -> None:
    row = replace(
        synthetic.vocabulary_row(0),
        spanish_text="el\tniño\r\npequeño",
        english_translation="the\nlittle\u2028boy\t",
    )
    sink = io.BytesIO()

    write_quizlet(sink, [[row]])

    assert sink.getvalue().decode() == "el niño pequeño\tthe little boy\n"

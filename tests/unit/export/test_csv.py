"""CSV export: what a spreadsheet (and Python's csv module) reads back."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from describe_it.export.csv_file import write_csv
from describe_it.export.models import ExportContent, ExportMeta
from tests.unit.export import synthetic
from tests.unit.export.synthetic import EXPORTED_AT, vocabulary_batches

VOCABULARY = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT)


def _write(meta: ExportMeta, content: ExportContent) -> bytes:
    sink = io.BytesIO()
    write_csv(sink, meta, content)
    return sink.getvalue()


def _parse(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: a spreadsheet then reads the accents right
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_parses_with_header_and_accents_intact() -> None:
    data = _write(VOCABULARY, ExportContent(vocabulary=vocabulary_batches(1_001, batch_size=250)))

    rows = _parse(data)

    assert len(rows) == 1_001
    assert list(rows[0])[:5] == ["id", "listId", "listName", "spanishText", "englishTranslation"]
    assert "progress.mastery" not in rows[0]
    assert rows[0]["spanishText"] == "el niño"
    assert rows[1]["spanishText"] == "¿Qué?"
    assert rows[1]["contextSentenceSpanish"] == "¿Qué quieres comer?"
    assert rows[0]["pronunciationIpa"] == "/el ˈni.ɲo/"
    assert rows[1]["tags"] == "familia; día a día"
    assert rows[0]["notes"] == "línea uno\nlínea dos"  # a line break inside a cell survives (quoted)
    assert rows[0]["createdAt"] == "2025-06-01T09:00:00.000Z"
    assert rows[1]["gender"] == ""  # null is an empty cell


def test_records_end_with_crlf_as_rfc_4180_says() -> None:
    data = _write(VOCABULARY, ExportContent(vocabulary=[[synthetic.vocabulary_row(1)]]))

    text = data[3:].decode()
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2  # header + one record (no line break inside this row's cells)


def test_formula_cells_are_escaped() -> None:
    formula_row = synthetic.vocabulary_row(5)  # "=SUMA(A1)", "+formula", "-menos", "@mention"
    tab_row = replace(synthetic.vocabulary_row(0), spanish_text="\tcmd", english_translation="\rcmd")

    rows = _parse(_write(VOCABULARY, ExportContent(vocabulary=[[formula_row, tab_row]])))

    assert rows[0]["spanishText"] == "'=SUMA(A1)"
    assert rows[0]["englishTranslation"] == "'+formula"
    assert rows[0]["contextSentenceSpanish"] == "'-menos"
    assert rows[0]["contextSentenceEnglish"] == "'@mention"
    assert rows[1]["spanishText"] == "'\tcmd"
    assert rows[1]["englishTranslation"] == "'\rcmd"
    assert rows[1]["listName"] == "Mi vocabulario"  # ordinary cells are untouched


def test_quotes_and_commas_round_trip() -> None:
    row = replace(synthetic.vocabulary_row(0), english_translation='the "boy", a kid')

    rows = _parse(_write(VOCABULARY, ExportContent(vocabulary=[[row]])))

    assert rows[0]["englishTranslation"] == 'the "boy", a kid'


def test_progress_columns_when_asked() -> None:
    meta = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT, include_progress=True)
    batches = [[synthetic.vocabulary_row(0, progress=True), synthetic.vocabulary_row(1)]]

    rows = _parse(_write(meta, ExportContent(vocabulary=batches)))

    assert rows[0]["progress.mastery"] == "0.8125"
    assert rows[0]["progress.learningPhase"] == "mastered"
    assert rows[0]["progress.due"] == "2025-07-01T09:00:00.000Z"
    assert rows[1]["progress.mastery"] == ""  # an item never reviewed


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("descriptions", ExportContent(descriptions=[[synthetic.description_row(0)]])),
        ("qa", ExportContent(qa=[[synthetic.qa_row(1)]])),
        ("progress", ExportContent(progress=[[synthetic.progress_row(0)]])),
    ],
)
def test_every_content_type_has_its_own_columns(name: str, content: ExportContent) -> None:
    rows = _parse(_write(ExportMeta(content_type=name, exported_at=EXPORTED_AT), content))  # type: ignore[arg-type]

    assert len(rows) == 1
    expected = {
        "descriptions": ("spanishDescription", "Un niño juega"),
        "qa": ("userAnswer", "juega en el jardin"),
        "progress": ("vocabularyItemId", str(synthetic.item_id(0))),
    }[name]
    assert rows[0][expected[0]].startswith(expected[1])


def test_one_content_type_per_file() -> None:
    content = ExportContent(vocabulary=[[synthetic.vocabulary_row(0)]], qa=[[synthetic.qa_row(0)]])

    with pytest.raises(ValueError, match="exactly one content type"):
        write_csv(io.BytesIO(), ExportMeta(content_type="all", exported_at=EXPORTED_AT), content)


def test_rows_are_written_as_their_batch_arrives() -> None:
    sink = io.BytesIO()

    def batches():
        for index in range(3):
            yield [synthetic.vocabulary_row(index)]
            assert str(synthetic.item_id(index)).encode() in sink.getvalue()

    assert write_csv(sink, VOCABULARY, ExportContent(vocabulary=batches())) == 3

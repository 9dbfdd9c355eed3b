"""PDF export: a document a reader opens, with the expected pages and text (read back with pypdf)."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace

import pypdf
import pytest

from describe_it.export.models import ExportContent, ExportMeta
from describe_it.export.pdf import MAX_CELL_LINES, write_pdf
from tests.unit.export import synthetic
from tests.unit.export.synthetic import EXPORTED_AT, vocabulary_batches

VOCABULARY = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT)


def _pdf(meta: ExportMeta, content: ExportContent) -> pypdf.PdfReader:
    sink = io.BytesIO()
    write_pdf(sink, meta, content)
    assert sink.getvalue().startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(sink.getvalue()))


def _pages(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_a4_title_accents_ipa_and_page_numbers() -> None:
    reader = _pdf(VOCABULARY, ExportContent(vocabulary=vocabulary_batches(6)))

    (page,) = _pages(reader)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert "Describe It: Vocabulary" in page
    for text in (
        "el niño",
        "¿Qué?",
        "el corazón",
        "el pingüino",
        "¡Hasta mañana!",
        "/el ˈni.ɲo/",
        "/maˈɲa.na/",
    ):
        assert text in page
    assert "Spanish" in page and "Part of" in page and "Context" in page
    assert "Page 1 of 1" in page
    assert reader.metadata is not None and reader.metadata.title == "Describe It: Vocabulary"


def test_500_rows_fill_the_expected_pages_with_headers_and_numbers_on_each() -> None:
    # Every synthetic row is two lines high: 2 × 4.2 mm + 2 × 1 mm = 10.4 mm, and so is the header
    # row ("Part of / speech"). A page's body is 297 - 15 (top) - 20 (bottom) = 262 mm: 24 rows
    # under the header; page 1 also holds the title block (~27 mm): 21 rows. 21 + 19 × 24 = 477,
    # so 500 rows take 21 pages.
    reader = _pdf(VOCABULARY, ExportContent(vocabulary=vocabulary_batches(500, batch_size=64)))

    pages = _pages(reader)
    assert len(pages) == 21
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 21" in text
        assert "Spanish" in text and "English" in text  # the table header repeats on every page
    words = "|".join(re.escape(word[0]) for word in synthetic.WORDS)
    numbers = [int(n) for n in re.findall(rf"(?:{words}) (\d+)\b", "\n".join(pages))]
    assert numbers == list(range(6, 500))  # every row once, in order: none lost or doubled at a break


def test_all_content_has_a_section_for_each_type() -> None:
    content = ExportContent(
        vocabulary=vocabulary_batches(2),
        descriptions=[[synthetic.description_row(0)]],
        qa=[[synthetic.qa_row(0), synthetic.qa_row(1)]],
        progress=[[synthetic.progress_row(0)]],
    )

    text = "\n".join(_pages(_pdf(ExportMeta(content_type="all", exported_at=EXPORTED_AT), content)))

    assert "Describe It: All content" in text
    for heading in ("Vocabulary", "Saved descriptions", "Questions and answers", "Progress"):
        assert heading in text
    assert "Un niño juega con un pingüino en un jardín soleado." in text
    assert "¿Qué hace el niño?" in text
    assert "rating 4/5" in text
    assert "50 %" in text


def test_a_description_longer_than_a_page_continues_on_the_next() -> None:
    long = replace(synthetic.description_row(0), spanish_description="Palabra número uno. " * 600)
    meta = ExportMeta(content_type="descriptions", exported_at=EXPORTED_AT)

    pages = _pages(_pdf(meta, ExportContent(descriptions=[[long]])))

    assert len(pages) >= 2
    assert all("Palabra número uno." in page for page in pages[:2])
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_a_huge_cell_is_cut_so_its_row_fits_on_a_page() -> None:
    row = replace(
        synthetic.vocabulary_row(0), context_sentence_spanish="\n".join(f"línea {i}" for i in range(200))
    )

    pages = _pages(_pdf(VOCABULARY, ExportContent(vocabulary=[[row]])))

    assert len(pages) == 1
    assert f"línea {MAX_CELL_LINES - 2}" in pages[0]
    assert f"línea {MAX_CELL_LINES}" not in pages[0]
    assert "…" in pages[0]


def test_a_character_the_font_lacks_prints_as_a_replacement_mark(caplog: pytest.LogCaptureFixture) -> None:
    row = replace(synthetic.vocabulary_row(0), spanish_text="niño 😀 漢字", english_translation="tab\there")

    with caplog.at_level(logging.WARNING):
        (page,) = _pages(_pdf(VOCABULARY, ExportContent(vocabulary=[[row]])))

    assert "niño \ufffd \ufffd\ufffd" in page
    assert "tab here" in page
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # nothing dropped silently


def test_no_rows_still_makes_a_readable_page() -> None:
    (page,) = _pages(_pdf(VOCABULARY, ExportContent(vocabulary=[])))

    assert "Nothing to export." in page
    assert "Page 1 of 1" in page

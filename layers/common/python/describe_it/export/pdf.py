"""PDF export: A4, a title, one table per section, a Unicode font, "Page N of M" on every page.

Vocabulary is a table (Spanish with its IPA | English | part of speech | context), Q&A answers and
progress are tables too, saved descriptions are paragraphs (they are long texts). The font is DejaVu
Sans (``fonts/``, a Latin/Greek/Cyrillic/IPA subset), so accents, ñ, ¿¡ and IPA render; a character
the font lacks prints as U+FFFD instead of silently vanishing. A table cell is cut at
``MAX_CELL_LINES`` lines (the JSON and CSV exports carry the full texts), so no row outgrows a page.

Memory, honestly: rows are laid out as they arrive, batch by batch, but fpdf2 keeps every finished
page in memory until the end and then builds the whole file as one byte string (the page count "N"
is only known then). Memory therefore grows with the page count (~24 two-line vocabulary rows a
page): measured by ``bench/export_formats.py``, peak traced memory is ~4 MB for 500 rows (21 pages,
the spec's cap for an inline PDF; mostly the font), ~6 MB for 5,000 and ~35 MB for 50,000 rows
(2,084 pages, ~15 KB a page) — well inside the export worker's memory, not flat like the others.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from describe_it.export.models import (
    Batches,
    ContentType,
    DescriptionRow,
    ExportContent,
    ExportMeta,
    ProgressRow,
    QaRow,
    SectionName,
    VocabularyRow,
)

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
MAX_CELL_CHARS = 1000
MAX_CELL_LINES = 24
_TEXT_SIZE = 9  # pt
_LINE = 4.2  # mm per line of 9 pt text
_PAD = 1.0  # mm above and below a cell's text
_PAD_X = 1.2  # mm left and right of it
_BASELINE = 3.2  # mm from the top of a line to its baseline
_MARGIN = 15  # mm
_HEADER_FILL = 232  # grey behind the column headers
# fpdf's placeholder for the page count, filled in when the file is built. Its width is the room the
# count gets in the footer: seven characters hold any count a worker can write (fpdf's default
# "{nb}" is too narrow from 1,000 pages and it warns).
_PAGE_COUNT = "{pages}"

TITLES: dict[ContentType, str] = {
    "vocabulary": "Vocabulary",
    "descriptions": "Saved descriptions",
    "qa": "Questions and answers",
    "progress": "Progress",
    "all": "All content",
}


@dataclass(frozen=True)
class _Table:
    columns: tuple[tuple[str, float], ...]  # header, width in mm (they add up to 180, the text width)
    cells: Callable[[Any], Sequence[str]]


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _vocabulary_cells(row: VocabularyRow) -> Sequence[str]:
    spanish = "\n".join(part for part in (row.spanish_text, row.pronunciation_ipa) if part)
    context = "\n".join(part for part in (row.context_sentence_spanish, row.context_sentence_english) if part)
    return spanish, row.english_translation, row.part_of_speech or "", context


def _qa_cells(row: QaRow) -> Sequence[str]:
    return (
        row.question,
        row.correct_answer,
        row.user_answer or "",
        "yes" if row.is_correct else "no",
        _date(row.answered_at),
    )


def _progress_cells(row: ProgressRow) -> Sequence[str]:
    return (
        row.spanish_text,
        row.english_translation,
        row.learning_phase,
        f"{row.mastery * 100:.0f} %",
        _date(row.due),
        str(row.reps),
        str(row.lapses),
    )


_TABLES: dict[SectionName, _Table] = {
    "vocabulary": _Table(
        (("Spanish", 45), ("English", 45), ("Part of speech", 26), ("Context", 64)), _vocabulary_cells
    ),
    "qa": _Table(
        (("Question", 58), ("Correct answer", 42), ("Your answer", 42), ("Correct", 16), ("Date", 22)),
        _qa_cells,
    ),
    "progress": _Table(
        (
            ("Spanish", 42),
            ("English", 42),
            ("Phase", 24),
            ("Mastery", 18),
            ("Due", 24),
            ("Reps", 15),
            ("Lapses", 15),
        ),
        _progress_cells,
    ),
}


def write_pdf(sink: IO[bytes], meta: ExportMeta, content: ExportContent) -> int:
    """Lay out every section of ``content`` and write the PDF to ``sink``; returns the row count."""
    layout = _Layout(_new_document(meta), _glyphs())
    layout.title(meta)
    count = 0
    for name, batches in content.sections():
        layout.heading(TITLES[name])
        if name == "descriptions" and content.descriptions is not None:
            count += layout.descriptions(content.descriptions)  # long texts: paragraphs, not a table
        else:
            count += layout.table(_TABLES[name], batches)
    sink.write(layout.pdf.output())
    return count


class _Layout:
    """Draws with fpdf's low-level ``text``/``rect`` and wraps lines itself.

    fpdf2's ``multi_cell`` re-measures a line for every character it adds (about 30 ms a table
    row): 500 rows would take 15 s. Widths here come from a per-character cache (the sum of the
    glyph widths is exactly what fpdf measures: it applies no kerning), which is ~50 times faster.
    """

    def __init__(self, pdf: FPDF, glyphs: frozenset[int]) -> None:
        self.pdf = pdf
        self.glyphs = glyphs
        self._widths: dict[tuple[str, float, str], float] = {}

    def text(self, value: str) -> str:
        """What the font can draw: unknown characters become U+FFFD, control characters a space."""
        value = value.replace("\r\n", "\n")
        if all(ord(char) in self.glyphs or char == "\n" for char in value):
            return value
        return "".join(
            char if ord(char) in self.glyphs or char == "\n" else ("\ufffd" if ord(char) >= 32 else " ")
            for char in value
        )

    def title(self, meta: ExportMeta) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 18)
        pdf.cell(
            0, 10, self.text(f"{meta.title}: {TITLES[meta.content_type]}"), new_x="LMARGIN", new_y="NEXT"
        )
        stamp = meta.exported_at.strftime("%Y-%m-%d %H:%M UTC")
        filters = ", ".join(f"{key}: {_filter_text(value)}" for key, value in meta.filters.items() if value)
        line = f"Exported {stamp}" + (f" · Filters: {filters}" if filters else "")
        self.paragraph(line, size=_TEXT_SIZE)
        pdf.ln(4)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.get_y() + 30 > pdf.page_break_trigger:  # a heading never ends a page alone
            pdf.add_page()
        pdf.set_font(FONT, "B", 13)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def table(self, table: _Table, batches: Batches[Any]) -> int:
        headers = [header for header, _ in table.columns]
        widths = [width for _, width in table.columns]
        self._row(headers, widths, header=True)
        count = 0
        for batch in batches:
            for row in batch:
                self._row(
                    [self.text(cell[:MAX_CELL_CHARS]) for cell in table.cells(row)], widths, headers=headers
                )
            count += len(batch)
        if count == 0:
            self.paragraph("Nothing to export.", size=_TEXT_SIZE)
        self.pdf.ln(6)
        return count

    def descriptions(self, batches: Batches[DescriptionRow]) -> int:
        pdf = self.pdf
        count = 0
        for batch in batches:
            for row in batch:
                if pdf.get_y() + 25 > pdf.page_break_trigger:
                    pdf.add_page()
                details = [row.style, _date(row.created_at)]
                if row.rating:
                    details.append(f"rating {row.rating}/5")
                if row.is_favorite:
                    details.append("favourite")
                self.paragraph(" · ".join(details), size=10, bold=True)
                self.paragraph(row.spanish_description, size=10)
                pdf.ln(1)
                self.paragraph(row.english_description, size=10, grey=True)
                pdf.ln(4)
            count += len(batch)
        if count == 0:
            self.paragraph("Nothing to export.", size=_TEXT_SIZE)
        return count

    def paragraph(self, text: str, *, size: float, bold: bool = False, grey: bool = False) -> None:
        """Full-width text that breaks onto new pages as it needs (a description can outgrow a page)."""
        pdf = self.pdf
        style = "B" if bold else ""
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(80 if grey else 0)
        line_height = size * 0.47
        for line in self._wrap(self.text(text), pdf.epw, style, size):
            if pdf.get_y() + line_height > pdf.page_break_trigger:
                pdf.add_page()
                pdf.set_font(FONT, style, size)
                pdf.set_text_color(80 if grey else 0)
            pdf.text(pdf.l_margin, pdf.get_y() + line_height * 0.78, line)
            pdf.set_y(pdf.get_y() + line_height)
        pdf.set_text_color(0)

    def _row(
        self,
        texts: Sequence[str],
        widths: Sequence[float],
        *,
        header: bool = False,
        headers: Sequence[str] = (),
    ) -> None:
        pdf = self.pdf
        style = "B" if header else ""
        pdf.set_font(FONT, style, _TEXT_SIZE)
        wrapped = [
            self._cell_lines(text, width - 2 * _PAD_X, style)
            for text, width in zip(texts, widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * _LINE + 2 * _PAD
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if not header:  # every page's table starts with the column headers
                self._row(headers, widths, header=True)
        pdf.set_font(FONT, style, _TEXT_SIZE)
        x, y = pdf.l_margin, pdf.get_y()
        if header:
            pdf.set_fill_color(_HEADER_FILL)
        for width in widths:
            pdf.rect(x, y, width, height, style="DF" if header else "D")
            x += width
        if header:
            # Text is drawn in the fill colour: while it differs from the text colour, fpdf wraps every
            # line in a graphics state of its own (q … Q), which costs a fifth of a row's time and bytes.
            pdf.set_fill_color(0)
        x = pdf.l_margin
        for lines, width in zip(wrapped, widths, strict=True):
            for index, line in enumerate(lines):
                pdf.text(x + _PAD_X, y + _PAD + index * _LINE + _BASELINE, line)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    def _cell_lines(self, text: str, width: float, style: str) -> list[str]:
        lines = self._wrap(text, width, style, _TEXT_SIZE)
        if len(lines) > MAX_CELL_LINES:
            lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1].rstrip() + " …"]
        return lines

    def _wrap(self, text: str, width: float, style: str, size: float) -> list[str]:
        """Greedy word wrap at spaces; a word wider than the line is cut between characters."""
        lines: list[str] = []
        space = self._width(" ", style, size)
        for paragraph in text.split("\n"):
            line, line_width = "", 0.0
            for word in paragraph.split(" "):
                word_width = self._width(word, style, size)
                if line and line_width + space + word_width <= width:
                    line, line_width = f"{line} {word}", line_width + space + word_width
                    continue
                if line:
                    lines.append(line)
                while word_width > width and len(word) > 1:
                    cut = self._fit(word, width, style, size)
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_width = self._width(word, style, size)
                line, line_width = word, word_width
            lines.append(line)
        return lines

    def _fit(self, word: str, width: float, style: str, size: float) -> int:
        total = 0.0
        for index, char in enumerate(word):
            total += self._width(char, style, size)
            if total > width:
                return max(1, index)
        return len(word)

    def _width(self, text: str, style: str, size: float) -> float:
        """Width of ``text`` in the current font, which the caller has set to ``style`` and ``size``."""
        widths = self._widths
        total = 0.0
        for char in text:
            key = (style, size, char)
            width = widths.get(key)
            if width is None:
                width = widths[key] = self.pdf.get_string_width(char)
            total += width
        return total


def _filter_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "/".join(str(item) for item in value)
    return str(value)


def _new_document(meta: ExportMeta) -> FPDF:
    pdf = _document_class()(format="A4", unit="mm")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.alias_nb_pages(_PAGE_COUNT)
    pdf.set_auto_page_break(True, margin=_MARGIN + 5)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{meta.title}: {TITLES[meta.content_type]}")
    pdf.set_creator("Describe It")
    pdf.set_creation_date(meta.exported_at)
    pdf.set_draw_color(160)
    pdf.set_fill_color(0)  # the text colour: see _Layout._row
    pdf.add_page()
    return pdf


@functools.cache
def _document_class() -> type[FPDF]:
    # fpdf is imported on first use only: no other function pays for it at import time.
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-_MARGIN)
            self.set_font(FONT, "", 8)
            self.set_text_color(90)
            self.cell(0, 6, f"Page {self.page_no()} of {_PAGE_COUNT}", align="C")
            self.set_text_color(0)

    return Document


@functools.cache
def _glyphs() -> frozenset[int]:
    """Code points both the regular and the bold font can draw."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2's own dependency

    maps = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        with TTFont(str(FONT_DIR / name), lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(maps[0] & maps[1])

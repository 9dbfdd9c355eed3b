"""The export file kinds: media type, file extension, which content they hold, and how each is written.

``write_file`` is the one entry point the export route and worker call. Each writer module is imported
when its kind is written, so a function that writes JSON never loads fpdf or sqlite3. The pairing
rules of spec §13 (csv: one content type; anki/quizlet: vocabulary only) are part of validating the
request (``api.ExportRequest``), before any row is read; ``write_file`` refuses a pairing it cannot
write (a programming error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Literal

from describe_it.export.models import ExportContent, ExportMeta, SectionName

FileKind = Literal["json", "csv", "pdf", "apkg", "anki-text", "quizlet"]


@dataclass(frozen=True)
class FileFormat:
    media_type: str
    extension: str
    # None: any sections; otherwise the only section this kind can hold.
    section: SectionName | None = None
    one_section: bool = False


FILE_FORMATS: dict[FileKind, FileFormat] = {
    "json": FileFormat("application/json", "json"),
    "csv": FileFormat("text/csv; charset=utf-8", "csv", one_section=True),
    "pdf": FileFormat("application/pdf", "pdf"),
    "apkg": FileFormat("application/octet-stream", "apkg", section="vocabulary", one_section=True),
    "anki-text": FileFormat(
        "text/tab-separated-values; charset=utf-8", "txt", section="vocabulary", one_section=True
    ),
    "quizlet": FileFormat("text/plain; charset=utf-8", "txt", section="vocabulary", one_section=True),
}


def kind_for(format: str, anki_file: str | None = None) -> FileKind:
    """The file an export format is written as: anki is the ``.apkg`` deck unless the text file is asked for."""
    if format == "anki":
        return "anki-text" if anki_file == "text" else "apkg"
    kinds: dict[str, FileKind] = {"json": "json", "csv": "csv", "pdf": "pdf", "quizlet": "quizlet"}
    return kinds[format]


def write_file(kind: FileKind, sink: IO[bytes], meta: ExportMeta, content: ExportContent) -> int:
    """Write ``content`` as ``kind`` to ``sink``; returns the number of rows written."""
    spec = FILE_FORMATS[kind]
    names = [name for name, _ in content.sections()]
    if (spec.one_section and len(names) != 1) or (spec.section is not None and names != [spec.section]):
        raise ValueError(f"{kind} cannot hold the sections {names}")
    if kind == "json":
        from describe_it.export.json_file import write_json

        return write_json(sink, meta, content)
    if kind == "csv":
        from describe_it.export.csv_file import write_csv

        return write_csv(sink, meta, content)
    if kind == "pdf":
        from describe_it.export.pdf import write_pdf

        return write_pdf(sink, meta, content)
    vocabulary = content.vocabulary
    if vocabulary is None:  # unreachable after the check above; it tells the type checker
        raise ValueError(f"{kind} needs the vocabulary section")
    if kind == "apkg":
        from describe_it.export.anki import write_apkg

        # The deck is named by the title: the same title on a re-export lands in the same deck.
        return write_apkg(sink, vocabulary, exported_at=meta.exported_at, deck_name=meta.title)
    if kind == "anki-text":
        from describe_it.export.anki import write_anki_text

        return write_anki_text(sink, vocabulary)
    from describe_it.export.quizlet import write_quizlet

    return write_quizlet(sink, vocabulary)

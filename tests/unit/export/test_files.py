"""write_file: one entry point per file kind, the pairings it can write, and lazy imports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from describe_it.export.files import FILE_FORMATS, write_file
from describe_it.export.models import ExportContent, ExportMeta
from tests.unit.export import synthetic
from tests.unit.export.synthetic import EXPORTED_AT

ROOT = Path(__file__).resolve().parents[3]
META = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT)


@pytest.mark.parametrize("kind", list(FILE_FORMATS))
def test_every_kind_writes_vocabulary(kind: str) -> None:
    sink = io.BytesIO()

    count = write_file(kind, sink, META, ExportContent(vocabulary=synthetic.vocabulary_batches(3)))  # type: ignore[arg-type]

    data = sink.getvalue()
    assert count == 3
    opened = {
        "json": lambda: len(json.loads(data)["vocabulary"]),
        "csv": lambda: data[3:].decode().count("\r\n") - 1,
        "pdf": lambda: int(data.startswith(b"%PDF-")) * 3,
        "apkg": lambda: int(zipfile.ZipFile(io.BytesIO(data)).testzip() is None) * 3,
        "anki-text": lambda: len(data.decode().splitlines()) - 4,
        "quizlet": lambda: len(data.decode().splitlines()),
    }[kind]
    assert opened() == 3


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("csv", ExportContent(vocabulary=[], qa=[])),
        ("apkg", ExportContent(descriptions=[])),
        ("anki-text", ExportContent(vocabulary=[], progress=[])),
        ("quizlet", ExportContent(qa=[])),
    ],
)
def test_a_pairing_the_kind_cannot_hold_is_refused(kind: str, content: ExportContent) -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        write_file(kind, io.BytesIO(), META, content)  # type: ignore[arg-type]


def test_json_csv_and_text_kinds_load_neither_fpdf_nor_sqlite() -> None:
    probe = (
        "import io, sys\n"
        "from describe_it.export.files import write_file\n"
        "from describe_it.export.models import ExportContent, ExportMeta\n"
        "from tests.unit.export.synthetic import EXPORTED_AT, vocabulary_batches\n"
        "for kind in ('json', 'csv', 'quizlet', 'anki-text'):\n"
        "    write_file(kind, io.BytesIO(), ExportMeta('vocabulary', EXPORTED_AT),\n"
        "               ExportContent(vocabulary=vocabulary_batches(2)))\n"
        "print(sorted(m for m in ('fpdf', 'fontTools', 'PIL', 'sqlite3') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"

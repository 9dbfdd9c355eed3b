"""JSON export: one valid document, API field names, written as the batches arrive."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace

import pytest

from describe_it.export.json_file import write_json
from describe_it.export.models import ExportContent, ExportMeta
from tests.unit.export import synthetic
from tests.unit.export.synthetic import EXPORTED_AT, vocabulary_batches


def _export(meta: ExportMeta, content: ExportContent) -> tuple[dict, int]:
    sink = io.BytesIO()
    count = write_json(sink, meta, content)
    return json.loads(sink.getvalue().decode("utf-8")), count


def test_vocabulary_round_trips_with_api_field_names() -> None:
    meta = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT, filters={"difficulty": "beginner"})

    document, count = _export(meta, ExportContent(vocabulary=vocabulary_batches(1_203, batch_size=100)))

    assert count == 1_203
    assert list(document) == ["exportedAt", "contentType", "filters", "vocabulary"]
    assert document["exportedAt"] == "2026-03-01T12:30:00.000Z"
    assert document["contentType"] == "vocabulary"
    assert document["filters"] == {"difficulty": "beginner"}
    items = document["vocabulary"]
    assert [item["id"] for item in items] == [str(synthetic.item_id(i)) for i in range(1_203)]
    first = items[0]
    assert first["spanishText"] == "el niño"
    assert first["englishTranslation"] == "the boy"
    assert first["listName"] == "Mi vocabulario"
    assert first["pronunciationIpa"] == "/el ˈni.ɲo/"
    assert first["contextSentenceSpanish"] == "El niño juega en el jardín."
    assert first["createdAt"] == "2025-06-01T09:00:00.000Z"
    assert items[1]["tags"] == ["familia", "día a día"]
    assert "progress" not in first  # not asked for


def test_progress_is_included_when_asked() -> None:
    meta = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT, include_progress=True)

    document, _ = _export(meta, ExportContent(vocabulary=vocabulary_batches(2, progress=True)))

    assert document["vocabulary"][0]["progress"] == {
        "state": "review",
        "learningPhase": "mastered",
        "mastery": 0.8125,
        "due": "2025-07-01T09:00:00.000Z",
        "lastReview": "2025-06-02T09:00:00.000Z",
        "reps": 4,
        "lapses": 0,
    }


def test_all_content_holds_every_section_and_empty_ones_are_empty_arrays() -> None:
    meta = ExportMeta(content_type="all", exported_at=EXPORTED_AT)
    content = ExportContent(
        vocabulary=vocabulary_batches(3),
        descriptions=[[synthetic.description_row(0)], [], [synthetic.description_row(1)]],
        qa=[[synthetic.qa_row(0)]],
        progress=[],
    )

    document, count = _export(meta, content)

    assert count == 6
    assert list(document) == [
        "exportedAt",
        "contentType",
        "filters",
        "vocabulary",
        "descriptions",
        "qa",
        "progress",
    ]
    assert [d["spanishDescription"][:8] for d in document["descriptions"]] == ["Un niño ", "Un niño "]
    assert document["qa"][0]["correctAnswer"] == "Juega en el jardín."
    assert document["qa"][0]["isCorrect"] is False
    assert document["progress"] == []


def test_rows_are_written_as_their_batch_arrives() -> None:
    sink = io.BytesIO()

    def batches():
        for index in range(3):
            yield [synthetic.vocabulary_row(index)]
            # The writer has written this batch before it asks for the next one.
            assert str(synthetic.item_id(index)).encode() in sink.getvalue()

    write_json(
        sink,
        ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT),
        ExportContent(vocabulary=batches()),
    )

    assert len(json.loads(sink.getvalue())["vocabulary"]) == 3


def test_a_nan_is_refused_rather_than_written_as_invalid_json() -> None:
    row = synthetic.qa_row(0)
    bad = replace(row, similarity_score=math.nan)

    with pytest.raises(ValueError, match="JSON"):
        write_json(
            io.BytesIO(), ExportMeta(content_type="qa", exported_at=EXPORTED_AT), ExportContent(qa=[[bad]])
        )

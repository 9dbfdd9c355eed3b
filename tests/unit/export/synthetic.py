"""Synthetic export rows, built lazily batch by batch (the tests and bench/export_formats.py use them)."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from describe_it.export.files import FileKind, write_file
from describe_it.export.models import (
    DescriptionRow,
    ExportContent,
    ExportMeta,
    ItemProgress,
    ProgressRow,
    QaRow,
    VocabularyRow,
)

EXPORTED_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
LIST_ID = uuid.UUID(int=1)
_T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
WORDS = [
    (
        "el niño",
        "the boy",
        "noun",
        "/el ˈni.ɲo/",
        "El niño juega en el jardín.",
        "The boy plays in the garden.",
    ),
    ("¿Qué?", "What?", "pronoun", "/ke/", "¿Qué quieres comer?", "What do you want to eat?"),
    ("el corazón", "the heart", "noun", "/el ko.ɾaˈθon/", "Me duele el corazón.", "My heart hurts."),
    (
        "el pingüino",
        "the penguin",
        "noun",
        "/el piŋˈɡwi.no/",
        "El pingüino nada rápido.",
        "The penguin swims fast.",
    ),
    ("mañana", "tomorrow", "adverb", "/maˈɲa.na/", "¡Hasta mañana!", "See you tomorrow!"),
    ("=SUMA(A1)", "+formula", "other", None, "-menos", "@mention"),
]


def item_id(index: int) -> uuid.UUID:
    return uuid.UUID(int=(7 << 120) + index)


def vocabulary_row(index: int, *, progress: bool = False, english: str | None = None) -> VocabularyRow:
    spanish, eng, pos, ipa, ctx_es, ctx_en = WORDS[index % len(WORDS)]
    return VocabularyRow(
        id=item_id(index),
        list_id=LIST_ID,
        list_name="Mi vocabulario",
        spanish_text=f"{spanish} {index}" if index >= len(WORDS) else spanish,
        english_translation=english or eng,
        part_of_speech=pos,
        difficulty="beginner",
        gender="masculine" if spanish.startswith("el ") else None,
        article="el" if spanish.startswith("el ") else None,
        pronunciation_ipa=ipa,
        context_sentence_spanish=ctx_es,
        context_sentence_english=ctx_en,
        tags=("familia", "día a día") if index % 2 else (),
        notes="línea uno\nlínea dos" if index % 3 == 0 else None,
        created_at=_T0 + timedelta(minutes=index),
        updated_at=_T0 + timedelta(minutes=index, seconds=30),
        progress=ItemProgress(
            state="review",
            learning_phase="mastered",
            mastery=0.8125,
            due=_T0 + timedelta(days=30),
            last_review=_T0 + timedelta(days=1),
            reps=4,
            lapses=0,
        )
        if progress
        else None,
    )


def vocabulary_batches(
    count: int, *, batch_size: int = 500, progress: bool = False
) -> Iterator[list[VocabularyRow]]:
    """``count`` rows in batches, each built only when the writer asks for it (as a keyset page would be)."""
    for start in range(0, count, batch_size):
        yield [vocabulary_row(i, progress=progress) for i in range(start, min(count, start + batch_size))]


def description_row(index: int) -> DescriptionRow:
    return DescriptionRow(
        id=uuid.UUID(int=(8 << 120) + index),
        image_url=f"https://images.example.com/{index}.jpg",
        style="narrativo",
        english_description="A boy plays with a penguin in a sunny garden. " * 6,
        spanish_description="Un niño juega con un pingüino en un jardín soleado. ¿Qué más? ¡Mañana! " * 6,
        is_favorite=index % 2 == 0,
        rating=4,
        notes=None,
        tags=("jardín",),
        created_at=_T0 + timedelta(hours=index),
    )


def qa_row(index: int) -> QaRow:
    return QaRow(
        id=uuid.UUID(int=(9 << 120) + index),
        question="¿Qué hace el niño?",
        correct_answer="Juega en el jardín.",
        user_answer="juega en el jardin" if index % 2 else "Duerme.",
        is_correct=bool(index % 2),
        similarity_score=0.9 if index % 2 else 0.1,
        difficulty="facil",
        category="Comprensión",
        answered_at=_T0 + timedelta(hours=index),
    )


def progress_row(index: int) -> ProgressRow:
    return ProgressRow(
        id=uuid.UUID(int=(10 << 120) + index),
        vocabulary_item_id=item_id(index),
        list_id=LIST_ID,
        spanish_text="el niño",
        english_translation="the boy",
        state="review",
        learning_phase="review",
        mastery=0.5,
        due=_T0 + timedelta(days=3),
        last_review=None,
        reps=2,
        lapses=1,
        correct_count=1,
        incorrect_count=1,
        streak_count=1,
    )


class CountingSink:
    """A write-only sink that keeps nothing: what is measured is the writer, not the file."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        return None


def traced_peak(kind: FileKind, rows: int, *, batch_size: int = 500) -> tuple[int, int]:
    """(peak traced bytes, file size) of writing ``rows`` synthetic vocabulary rows as ``kind``."""
    sink = CountingSink()
    meta = ExportMeta(content_type="vocabulary", exported_at=EXPORTED_AT)
    content = ExportContent(vocabulary=vocabulary_batches(rows, batch_size=batch_size))
    gc.collect()
    tracemalloc.start()
    try:
        write_file(kind, sink, meta, content)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, sink.size

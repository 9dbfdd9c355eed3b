"""The GET answers of /api/qa/generate and /api/translate (spec §6.2, §8): what the routes accept."""

from __future__ import annotations

from describe_it.language.questions import QUESTION_CATEGORIES
from describe_it.textai.prompts import LANGUAGE_NAMES
from describe_it.textai.qa_models import QaCapabilities
from describe_it.textai.translate_models import MAX_BATCH, MAX_TEXT_LENGTH, TranslateCapabilities

TRANSLATE_FEATURES = [
    "vocabulary_translation",
    "contextual_translation",
    "phrase_translation",
    "batch_translation",
]


def qa_capabilities() -> QaCapabilities:
    return QaCapabilities(
        endpoint="/api/qa/generate",
        method="POST",
        description="Comprehension questions about a text, in Spanish or English, at CEFR difficulties",
        parameters={
            "description": "string, 1–10000 characters (alias descriptionText), required",
            "language": "es (default) | en",
            "count": "integer 1–10, default 5 (alias questionCount)",
            "difficulty": "facil (A1–A2) | medio (B1–B2) | dificil (C1–C2) | mixed (default: 40/40/20 %)",
            "includeOptions": "boolean, default false: four options and correctIndex",
        },
        response={
            "questions": "[{id, question, answer, difficulty, category, options?, correctIndex?}]",
            "metadata": "{count, requested, language, difficulty, byDifficulty, byCategory, generatedAt, "
            "provider, model, cached}",
        },
        categories=list(QUESTION_CATEGORIES),
        difficulties=["facil", "medio", "dificil", "mixed"],
    )


def translate_capabilities() -> TranslateCapabilities:
    return TranslateCapabilities(
        supported_languages=[{"code": code, "name": name} for code, name in LANGUAGE_NAMES.items()],
        features=TRANSLATE_FEATURES,
        max_text_length=MAX_TEXT_LENGTH,
        max_batch=MAX_BATCH,
    )

"""The describe workflow's input and task results, shared by the runner's tests and the moto tests."""

from __future__ import annotations

from typing import Any


def workflow_input(**overrides: Any) -> dict[str, Any]:
    """What ``POST /api/descriptions/generate`` passes to the workflow (every key present)."""
    return {
        "imageRef": {
            "bucket": "describeit-local",
            "key": "tmp/images/ab12.jpg",
            "sha256": "ab12" * 16,
            "mediaType": "image/jpeg",
        },
        "style": "narrativo",
        "maxLength": 300,
        "customPrompt": None,
        "encryptedKey": None,
        "deadline": 1_800_000_025_000,
        "taskTimeoutSeconds": 20,
        "languages": ["en", "es"],
        "generationId": "3f1c1f8e-0c55-4a53-9d0e-2b1b8c6f4a10",
        **overrides,
    }


def task_payload(language: str, **overrides: Any) -> dict[str, Any]:
    """What the task function receives for ``language``: the input without the workflow's own keys."""
    payload = workflow_input(**overrides)
    for key in ("languages", "taskTimeoutSeconds"):
        payload.pop(key)
    return {**payload, "language": language}


def described(language: str) -> dict[str, Any]:
    """A successful task result, as the function returns it."""
    return {
        "language": language,
        "ok": True,
        "content": {"en": "A red bicycle leans on a wall.", "es": "Una bicicleta roja se apoya en un muro."}[
            language
        ],
        "model": "claude-sonnet-4-6",
        "usage": {"inputTokens": 1650, "outputTokens": 42},
    }


def skipped(language: str) -> dict[str, Any]:
    return {"language": language, "ok": True, "skipped": True}


def failed(language: str, reason: str, error: str) -> dict[str, Any]:
    return {"language": language, "ok": False, "reason": reason, "error": error}

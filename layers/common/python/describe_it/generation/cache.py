"""The generation cache (spec §5.1): one ``cache#<key>`` entry per image, style, length, prompt,
model and language, 7 days, shared by everyone (never keyed by user or API key).

``desc:v<promptVersion>:<model>:sha256(imageKey):<style>:<maxLength>:sha256(customPrompt|""):<en|es>``
where ``sha256(imageKey)`` is the image's ``source_hash`` (the SHA-256 of the normalised URL, or of a
data URI's bytes). Only successful descriptions are stored; a fallback never is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from describe_it.ai.prompts import PROMPT_VERSION
from describe_it.ai.provider import Language, Style

CACHE_TTL_S = 7 * 24 * 3600


def cache_key(
    *,
    model: str,
    source_hash: bytes,
    style: Style,
    max_length: int,
    custom_prompt: str | None,
    language: Language,
) -> str:
    prompt_hash = hashlib.sha256((custom_prompt or "").encode("utf-8")).hexdigest()
    return f"desc:v{PROMPT_VERSION}:{model}:{source_hash.hex()}:{style}:{max_length}:{prompt_hash}:{language}"


@dataclass(frozen=True)
class CachedDescription:
    content: str
    word_count: int
    model: str
    provider: str
    created_at: float  # when it was generated (epoch seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "wordCount": self.word_count,
            "model": self.model,
            "provider": self.provider,
            "createdAt": self.created_at,
        }

    @classmethod
    def from_json(cls, value: Any) -> CachedDescription | None:
        """None for an entry this version cannot read (treated as a miss)."""
        try:
            return cls(
                content=str(value["content"]),
                word_count=int(value["wordCount"]),
                model=str(value["model"]),
                provider=str(value["provider"]),
                created_at=float(value["createdAt"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

"""Models of GET /api/search/vocabulary (spec §12)."""

from __future__ import annotations

from typing import Literal

from describe_it.vocabulary.models import ItemView

Scope = Literal["mine", "public", "all"]
MatchedOn = Literal["spanish", "english", "fuzzy"]


class VocabularyHit(ItemView):
    list_name: str
    score: float
    matched_on: MatchedOn

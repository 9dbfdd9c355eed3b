"""What the generation routes answer: description entries and job views (spec §5.1, §5.3). Apart from
the request model so that the jobs route loads none of the key handling the request needs."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from describe_it.ai.provider import Style
from describe_it.models import ApiModel, Timestamp

FallbackReason = Literal[
    "timeout", "upstream_error", "rate_limited", "circuit_open", "content_refused", "budget_exhausted"
]
LanguageLabel = Literal["english", "spanish"]
JobStatus = Literal["queued", "running", "succeeded", "partial", "failed"]


class DescriptionEntry(ApiModel):
    id: UUID
    generation_id: str
    image_id: UUID
    image_url: str | None = Field(description="null for data-URI input")
    style: Style
    content: str = Field(description='"" when fallback')
    language: LanguageLabel
    word_count: int
    provider: Literal["anthropic", "offline"]
    model: str
    cached: bool
    fallback: bool
    fallback_reason: FallbackReason | None
    saved_description_id: UUID | None = None
    created_at: Timestamp = Field(description="the original time when cached")


class JobAccepted(ApiModel):
    job_id: str
    status: Literal["queued"] = "queued"
    status_url: str


class JobError(ApiModel):
    code: str
    message: str


class JobView(ApiModel):
    job_id: str
    status: JobStatus
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp
    result: list[DescriptionEntry] | None = None
    message: str | None = None
    error: JobError | None = None

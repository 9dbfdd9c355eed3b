"""Request and response models of ``/api/descriptions/generate`` and ``/api/descriptions/jobs/{jobId}``
(spec §5.1–5.3)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from describe_it.ai.keys import UserApiKey
from describe_it.ai.provider import MAX_WORDS, MIN_WORDS, Style
from describe_it.images.models import IMAGE_SOURCE_RULES, ImageMeta, ImageSource
from describe_it.models import ApiModel, SafeText

DEFAULT_WORDS = 300
ASYNC_ABOVE_WORDS = 450  # a longer description is always generated asynchronously
CUSTOM_PROMPT_MAX = 500


class GenerateRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra=IMAGE_SOURCE_RULES)

    image_url: ImageSource
    style: Style
    max_length: int = Field(DEFAULT_WORDS, ge=MIN_WORDS, le=MAX_WORDS)
    custom_prompt: Annotated[SafeText, StringConstraints(max_length=CUSTOM_PROMPT_MAX)] | None = None
    user_api_key: UserApiKey = Field(None, description='Your own Anthropic key ("" = none); never stored')
    save: bool = False
    session_id: UUID | None = None
    image: ImageMeta | None = None
    fresh: bool = False

    @property
    def is_data_uri(self) -> bool:
        return self.image_url.startswith("data:")


class MaxLengthInfo(ApiModel):
    min: int = MIN_WORDS
    max: int = MAX_WORDS
    default: int = DEFAULT_WORDS
    async_above: int = ASYNC_ABOVE_WORDS


class ImageInputInfo(ApiModel):
    https: bool = True
    data_uri: bool = True
    max_bytes: int
    types: list[str]


class Capabilities(ApiModel):
    styles: list[Style]
    languages: list[Literal["en", "es"]]
    max_length: MaxLengthInfo
    custom_prompt_max_length: int = CUSTOM_PROMPT_MAX
    image_input: ImageInputInfo
    # `async` is a Python keyword: the field is named for the wire only.
    async_: bool = Field(True, alias="async")
    sync_deadline_ms: int


class Limits(ApiModel):
    guest: int
    free: int
    basic: int
    pro: int
    window_seconds: int


class ServiceInfo(ApiModel):
    service: str = "Description Generation API"
    status: Literal["healthy", "degraded"]
    version: str
    capabilities: Capabilities
    limits: Limits

"""Request, answer and model-output shapes of POST/GET /api/translate (spec §8, aliases §20).

Legacy messages are kept: no text → "Text is required for translation"; no target → "Both source and
target languages are required"; a code outside ``en es fr de it pt`` → "Unsupported language code".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from describe_it.ai.keys import UserApiKey
from describe_it.models import ApiModel, rule, server_rules
from describe_it.textai.fields import bounded_text, optional, text_schema, with_null

LanguageCode = Literal["en", "es", "fr", "de", "it", "pt"]
SourceLanguage = Literal["auto", "en", "es", "fr", "de", "it", "pt"]
CODES = ("en", "es", "fr", "de", "it", "pt")
MAX_TEXT_LENGTH = 5000
MAX_BATCH = 50
MAX_BATCH_ITEM = 500
MAX_BATCH_TOTAL = 10_000
TEXT_REQUIRED = "Text is required for translation"
LANGUAGES_REQUIRED = "Both source and target languages are required"
UNSUPPORTED = "Unsupported language code"


def _code(*, allow_auto: bool) -> Any:
    def check(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PydanticCustomError("missing", LANGUAGES_REQUIRED)
        code = value.strip().lower() if isinstance(value, str) else value
        if code not in CODES and not (allow_auto and code == "auto"):
            raise PydanticCustomError("literal_error", UNSUPPORTED)
        return code

    return check


def _batch(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list):
        raise PydanticCustomError("list_type", "Must be a list of strings")
    if not value:
        raise PydanticCustomError("too_short", TEXT_REQUIRED)
    if len(value) > MAX_BATCH:
        raise PydanticCustomError("too_long", "At most {max} texts", {"max": MAX_BATCH})
    return value


BatchText = Annotated[
    str,
    BeforeValidator(bounded_text(1, MAX_BATCH_ITEM, required=TEXT_REQUIRED)),
    text_schema(1, MAX_BATCH_ITEM),
]


class TranslateRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule(None, "text or texts", message=TEXT_REQUIRED),
            rule(None, "not both text and texts", message="Send either text or texts, not both"),
            rule(None, f"texts of at most {MAX_BATCH_TOTAL:,} characters together", code="too_long"),
            rule(
                None, "source and target languages differ", message="Source and target languages must differ"
            ),
        )
    )

    text: Annotated[
        str | None,
        BeforeValidator(optional(bounded_text(1, MAX_TEXT_LENGTH, required=TEXT_REQUIRED))),
        text_schema(1, MAX_TEXT_LENGTH),
    ] = None
    texts: Annotated[list[BatchText] | None, BeforeValidator(_batch)] = None
    source_language: Annotated[SourceLanguage, BeforeValidator(_code(allow_auto=True))] = Field(
        "auto", validation_alias=AliasChoices("sourceLanguage", "fromLanguage")
    )
    target_language: Annotated[LanguageCode, BeforeValidator(_code(allow_auto=False))] = Field(
        validation_alias=AliasChoices("targetLanguage", "toLanguage")
    )
    context: Annotated[str | None, BeforeValidator(optional(bounded_text(0, 500))), text_schema(0, 500)] = (
        None
    )
    user_api_key: UserApiKey = None

    @model_validator(mode="before")
    @classmethod
    def _target_present(cls, data: Any) -> Any:
        return with_null(data, "targetLanguage", "toLanguage")

    @model_validator(mode="after")
    def _one_kind_of_input(self) -> TranslateRequest:
        if self.text is None and self.texts is None:
            raise PydanticCustomError("missing", TEXT_REQUIRED)
        if self.text is not None and self.texts is not None:
            raise PydanticCustomError("value_error", "Send either text or texts, not both")
        if self.texts is not None and sum(len(t) for t in self.texts) > MAX_BATCH_TOTAL:
            raise PydanticCustomError(
                "too_long", "The texts may hold at most {max} characters together", {"max": MAX_BATCH_TOTAL}
            )
        if self.source_language == self.target_language:
            raise PydanticCustomError("value_error", "Source and target languages must differ")
        return self

    @property
    def inputs(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class SingleTranslation(ApiModel):
    translation: str
    translated_text: str
    confidence: float
    detected_language: str
    source_language: str
    target_language: str
    provider: str
    fallback: bool
    cached: bool


class BatchItem(ApiModel):
    text: str
    translation: str


class BatchTranslation(ApiModel):
    translations: list[BatchItem]
    detected_language: str
    source_language: str
    target_language: str
    provider: str
    fallback: bool
    cached: bool


class TranslateCapabilities(ApiModel):
    supported_languages: list[dict[str, str]]
    features: list[str]
    max_text_length: int
    max_batch: int


# --- what the model writes (structured output) ------------------------------------------------------


class DraftTranslation(BaseModel):
    index: int
    translation: str
    confidence: float


class DraftTranslations(BaseModel):
    detected_language: LanguageCode = Field(alias="detectedLanguage")
    translations: list[DraftTranslation]

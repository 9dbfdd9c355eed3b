"""The settings document of spec §14.1 (one model per section) and the /api/settings request and
response models.

Each section model holds the defaults and bounds of the spec; validating the stored sparse overrides
of a section fills in the rest. Unknown fields are ignored (``ApiModel``), so they are never stored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from describe_it.models import ApiModel, Timestamp, rule, server_rules

SectionName = Literal[
    "language", "difficulty", "content", "interface", "session", "privacy", "export", "advanced"
]


def _no_bool(value: Any) -> Any:
    # Pydantic's lax mode reads true as 1; a switch sent for a number is a client bug worth a 400.
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "Input should be a number, not a boolean")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Float = Annotated[float, BeforeValidator(_no_bool)]
Language = Literal["en", "es"]
Style = Literal["narrativo", "poetico", "academico", "conversacional", "infantil", "creativo", "tecnico"]
# The Q&A categories of spec §6.1; the English skill names of §11.5 are accepted for them.
QUESTION_TYPES = ("Vocabulario", "Gramática", "Cultura", "Comprensión", "Expresión")
_QUESTION_TYPE_ALIASES = {
    **{name.lower(): name for name in QUESTION_TYPES},
    "gramatica": "Gramática",
    "comprension": "Comprensión",
    "expresion": "Expresión",
    "vocabulary": "Vocabulario",
    "grammar": "Gramática",
    "culture": "Cultura",
    "comprehension": "Comprensión",
    "expression": "Expresión",
}


class Section(ApiModel):
    """A settings section: a default for every field; unknown fields are ignored."""


class LanguageSettings(Section):
    primary: Language = "es"
    secondary: Language = "en"
    learning_direction: Literal["es-en", "en-es", "both"] = "both"

    @model_validator(mode="after")
    def _differ(self) -> LanguageSettings:
        if self.primary == self.secondary:
            raise PydanticCustomError("duplicate", "Primary and secondary languages must differ")
        return self


class DifficultySettings(Section):
    preferred: Literal["beginner", "intermediate", "advanced"] = "beginner"
    adaptive: StrictBool = True
    auto_adjust: StrictBool = False


class ContentSettings(Section):
    style: Style = "conversacional"
    description_length: Int = Field(300, ge=50, le=1000)
    max_phrases: Int = Field(15, ge=1, le=25)
    max_questions: Int = Field(5, ge=1, le=10)
    include_translations: StrictBool = True
    include_examples: StrictBool = True
    include_context: StrictBool = True
    question_types: Annotated[
        list[str],
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "items": {"type": "string", "enum": sorted({*QUESTION_TYPES, *_QUESTION_TYPE_ALIASES})},
                "description": "Q&A categories (Spanish or English names, case ignored)",
            }
        ),
    ] = Field(default_factory=lambda: list(QUESTION_TYPES), min_length=1, max_length=5)

    @field_validator("question_types")
    @classmethod
    def _question_types(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for item in value:
            name = _QUESTION_TYPE_ALIASES.get(item.strip().lower())
            if name is None:
                raise ValueError(f"Question types must be among {', '.join(QUESTION_TYPES)}")
            if name not in out:
                out.append(name)
        return out


def _theme(value: Any) -> Any:
    return "system" if value == "auto" else value  # the old frontend's name for "follow the system"


class InterfaceSettings(Section):
    theme: Annotated[Literal["light", "dark", "system"], BeforeValidator(_theme)] = "system"
    font_size: Literal["small", "medium", "large", "extra-large"] = "medium"
    animations: StrictBool = True
    sound_effects: StrictBool = False
    compact_mode: StrictBool = False
    show_progress: StrictBool = True
    high_contrast: StrictBool = False
    reduced_motion: StrictBool = False


class SessionSettings(Section):
    auto_save: StrictBool = True
    session_timeout: Int = Field(30, ge=5, le=120)  # minutes
    reminder_intervals: list[Annotated[Int, Field(ge=5, le=1440)]] = Field(
        default_factory=list, max_length=10
    )
    goal_tracking: StrictBool = True
    streak_tracking: StrictBool = True
    achievement_notifications: StrictBool = True
    daily_word_goal: Int = Field(10, ge=1, le=100)
    weekly_session_goal: Int = Field(5, ge=1, le=50)
    preferred_session_length: Int = Field(20, ge=5, le=120)  # minutes


class PrivacySettings(Section):
    save_progress: StrictBool = True
    save_vocabulary: StrictBool = True
    analytics: StrictBool = True
    share_progress: StrictBool = False
    data_retention: Int = Field(365, ge=30, le=3650)  # days


class ExportSettings(Section):
    default_format: Literal["json", "csv", "pdf", "anki", "quizlet"] = "json"
    include_metadata: StrictBool = True
    include_progress: StrictBool = False
    auto_export_interval: Literal["never", "daily", "weekly", "monthly"] = "never"


class AdvancedSettings(Section):
    cache_enabled: StrictBool = True
    preload_content: StrictBool = True
    debug_mode: StrictBool = False
    experimental_features: StrictBool = False
    api_timeout: Int = Field(30, ge=5, le=60)  # seconds
    max_retries: Int = Field(2, ge=0, le=5)
    desired_retention: Float = Field(0.90, ge=0.70, le=0.97)


SECTIONS: dict[str, type[Section]] = {
    "language": LanguageSettings,
    "difficulty": DifficultySettings,
    "content": ContentSettings,
    "interface": InterfaceSettings,
    "session": SessionSettings,
    "privacy": PrivacySettings,
    "export": ExportSettings,
    "advanced": AdvancedSettings,
}


def section_fields(name: str) -> frozenset[str]:
    """The wire (camelCase) names of a section's fields: the only keys that are ever stored."""
    model = SECTIONS[name]
    return frozenset(info.alias or field for field, info in model.model_fields.items())


def default_document() -> dict[str, dict[str, Any]]:
    return {name: model().model_dump(mode="json", by_alias=True) for name, model in SECTIONS.items()}


# --- request and response models ------------------------------------------------------------------


def _patch_schema() -> dict[str, Any]:
    """The document of a PUT: each section's fields as the section model states them, each also
    ``null`` (reset to the default), every one optional; unknown sections and fields are ignored."""
    sections: dict[str, Any] = {}
    for name, model in SECTIONS.items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        fields = {
            key: {"anyOf": [value, {"type": "null"}]} for key, value in schema.get("properties", {}).items()
        }
        sections[name] = {"anyOf": [{"type": "object", "properties": fields}, {"type": "null"}]}
    return {"type": "object", "properties": sections}


# If-Match on PUT/DELETE: entity tags as ETag sends them (`"v<version>"`), or `*`; a malformed value is
# a 400, a stale one 412 (the version in the tag is checked against the stored one by the service).
ETAG_LIST = r'^\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*$'
IF_MATCH = Header(
    None,
    alias="If-Match",
    pattern=ETAG_LIST,
    description='The `ETag` you read (`"v<version>"`); a stale one is 412 `stale_version`',
    json_schema_extra=server_rules(
        rule("If-Match", "the current version (what the last answer's ETag said)", code="stale_version")
    ),
)


class SettingsWrite(ApiModel):
    """PUT body: ``{settings: {…partial sections…}}``, or the bare sections at the top level.

    Kept loose on purpose: the service validates the merged document so that errors name the full
    path (``settings.session.dailyWordGoal``) and ``null`` can mean "reset to default".
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra=lambda schema: _with_rules(schema),
    )

    settings: Annotated[dict[str, Any], WithJsonSchema(_patch_schema())] | None = Field(
        None, description="Partial sections; null resets a field (or a whole section)"
    )


def _with_rules(schema: dict[str, Any]) -> None:
    schema.update(
        server_rules(
            rule(
                "settings.language",
                "language.primary and language.secondary differ once merged with what is stored",
                code="duplicate",
            ),
            rule(
                "language",
                "the same, for bare sections (the legacy shape, not described here)",
                code="duplicate",
            ),
        )
    )


class SettingsView(ApiModel):
    settings: dict[str, Any]
    version: int
    updated_at: Timestamp
    is_default: bool


class SettingsSaved(ApiModel):
    settings: dict[str, Any]
    version: int
    updated_at: Timestamp
    sections_updated: list[str]


class SettingsSync(ApiModel):
    settings: dict[str, Any]
    version: int
    updated_at: Timestamp

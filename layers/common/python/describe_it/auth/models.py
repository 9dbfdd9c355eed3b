"""Request and response models of /api/auth/* (spec §4)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from describe_it.auth.passwords import MAX_LENGTH, MIN_LENGTH, normalise
from describe_it.models import (
    NONBLANK_PATTERN,
    ApiModel,
    SafeText,
    Schema,
    Text,
    Timestamp,
    rule,
    server_rules,
    stripped,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")
# The same rules for the OpenAPI document (the value is trimmed first; no control characters).
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f\x85]+"
EMAIL_PATTERN = stripped(rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$")
USERNAME_PATTERN = stripped(USERNAME.pattern)
Email = Annotated[Text, Schema({"pattern": EMAIL_PATTERN, "description": "An e-mail address (case ignored)"})]
Username = Annotated[Text, Schema({"pattern": USERNAME_PATTERN, "description": "3–30 letters, digits or _"})]
TimeZone = Annotated[
    Text, Schema({"description": "An IANA time zone name", "examples": ["UTC", "Europe/Madrid"]})
]
# New passwords: 8–128 characters (any Unicode, counted after NFKC), not the e-mail address, not one of
# the 10,000 most common passwords; the last two (and NFKC) are checked by the server only.
NEW_PASSWORD = Schema(
    {
        "format": "password",
        "minLength": MIN_LENGTH,
        "maxLength": MAX_LENGTH,
        "description": f"{MIN_LENGTH}–{MAX_LENGTH} characters of any Unicode (counted after NFKC); not your "
        "e-mail address and not one of the 10,000 most common passwords (checked by the server)",
    }
)
PASSWORD = Schema({"format": "password"})
NewPassword = Annotated[str, NEW_PASSWORD]
Password = Annotated[str, PASSWORD]
# 1–100 characters counted after trimming, so a blank name is "too short".
FullName = Annotated[SafeText, Schema({"pattern": NONBLANK_PATTERN})]
COMMON = rule("password", "not one of the 10,000 most common passwords", message="Password is too common")
NOT_EMAIL = rule("password", "not your e-mail address", message="Password must not be your email address")
UNKNOWN_ZONE = rule("timeZone", "an IANA time zone name the server knows", message="Unknown time zone")
SpanishLevel = Literal["beginner", "intermediate", "advanced"]
UiLanguage = Literal["en", "es"]


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("describe_it.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError("Invalid email address")
    return value.lower()


def check_new_password(password: str, email: str | None = None) -> str:
    """Spec §2.1: 8–128 characters of any Unicode (NFKC), not the e-mail, not a common password."""
    normalised = normalise(password)
    if len(normalised) < MIN_LENGTH:
        raise ValueError(f"Password must be at least {MIN_LENGTH} characters")
    if len(normalised) > MAX_LENGTH:
        raise ValueError(f"Password must be at most {MAX_LENGTH} characters")
    if email is not None and normalised.lower() == email.lower():
        raise ValueError("Password must not be your email address")
    if normalised.lower() in common_passwords():
        raise ValueError("Password is too common")
    return password


def check_username(value: str | None) -> str | None:
    if value is not None and not USERNAME.match(value):
        raise ValueError("Username must be 3-30 letters, digits or underscores")
    return value


def check_time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("Unknown time zone") from exc
    return value


class SignupRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(
                COMMON,
                NOT_EMAIL,
                rule("confirmPassword", "equal to password", message="Passwords do not match"),
                UNKNOWN_ZONE,
            ),
            "examples": [
                {
                    "email": "ana@example.com",
                    "password": "correct horse battery staple",
                    "fullName": "Ana García",
                }
            ],
        }
    )

    email: Email = Field(max_length=254)
    password: NewPassword = Field(max_length=1024)
    confirm_password: Password | None = None
    full_name: FullName | None = Field(None, min_length=1, max_length=100)
    username: Username | None = None
    time_zone: TimeZone = "UTC"
    spanish_level: SpanishLevel = "beginner"
    ui_language: UiLanguage = "en"

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        # Legacy clients send firstName + lastName or metadata.full_name instead of fullName.
        if isinstance(data, dict) and not data.get("fullName"):
            first, last = data.get("firstName"), data.get("lastName")
            meta = data.get("metadata")
            if isinstance(first, str) or isinstance(last, str):
                joined = " ".join(p.strip() for p in (first, last) if isinstance(p, str) and p.strip())
                data = {**data, "fullName": joined or None}
            elif isinstance(meta, dict) and isinstance(meta.get("full_name"), str):
                data = {**data, "fullName": meta["full_name"]}
        return data

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return check_username(value)

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_time_zone(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        return check_new_password(value, info.data.get("email"))

    @field_validator("confirm_password")
    @classmethod
    def _confirm(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "password" in info.data and value != info.data["password"]:
            raise ValueError("Passwords do not match")
        return value


class SigninRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "demo@describe-it.local", "password": "demo-password-2026"}]
        }
    )

    email: Email = Field(max_length=254)
    password: Password = Field(min_length=1, max_length=128)
    remember_me: bool = True

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)


class RefreshRequest(ApiModel):
    refresh_token: str = Field(min_length=16, max_length=256)

    @model_validator(mode="before")
    @classmethod
    def _alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "refreshToken" not in data and "refresh_token" in data:
            data = {**data, "refreshToken": data["refresh_token"]}
        return data


class SignoutRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("refreshToken", "a refresh token of yours the server issued", code="not_found")
        )
    )

    refresh_token: str | None = Field(None, min_length=16, max_length=256)
    all_devices: bool = False

    @model_validator(mode="before")
    @classmethod
    def _alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "refreshToken" not in data and "refresh_token" in data:
            data = {**data, "refreshToken": data["refresh_token"]}
        return data


class User(ApiModel):
    id: UUID
    email: str
    username: str | None
    full_name: str | None
    avatar_url: str | None
    email_verified: bool
    email_verified_at: Timestamp | None
    tier: str
    role: str
    status: str
    time_zone: str
    spanish_level: str
    ui_language: str
    created_at: Timestamp
    last_login_at: Timestamp | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(
            id=row["id"],
            email=row["email"],
            username=row["username"],
            full_name=row["full_name"],
            avatar_url=row["avatar_url"],
            email_verified=row["email_verified_at"] is not None,
            email_verified_at=row["email_verified_at"],
            tier=row["tier"],
            role=row["role"],
            status=row["status"],
            time_zone=row["time_zone"],
            spanish_level=row["spanish_level"],
            ui_language=row["ui_language"],
            created_at=row["created_at"],
            last_login_at=row["last_login_at"],
        )


class Session(ApiModel):
    """OAuth token-response naming, as the existing frontend reads it (snake_case on the wire)."""

    access_token: str = Field(serialization_alias="access_token")
    refresh_token: str = Field(serialization_alias="refresh_token")
    token_type: Literal["Bearer"] = Field("Bearer", serialization_alias="token_type")
    expires_in: int = Field(serialization_alias="expires_in")
    expires_at: int = Field(serialization_alias="expires_at")
    refresh_expires_at: int = Field(serialization_alias="refresh_expires_at")


class SignupPending(ApiModel):
    """202: a verification e-mail is on its way (for new and existing addresses alike)."""

    needs_email_confirmation: Literal[True] = True


class SignupResult(ApiModel):
    """201: verification is off, so the account is ready and signed in."""

    needs_email_confirmation: Literal[False] = False
    user: User
    session: Session


class AuthResult(ApiModel):
    user: User
    session: Session


class SignoutResult(ApiModel):
    signed_out: bool = True
    revoked_sessions: int


class MeResult(ApiModel):
    user: User

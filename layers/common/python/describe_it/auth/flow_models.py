"""Request and response models of the account flows (verification, reset, password, profile, deletion)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from describe_it.auth.models import (
    COMMON,
    NEW_PASSWORD,
    NOT_EMAIL,
    UNKNOWN_ZONE,
    Email,
    FullName,
    NewPassword,
    Password,
    Session,
    SpanishLevel,
    TimeZone,
    UiLanguage,
    User,
    Username,
    check_email,
    check_time_zone,
    check_username,
)
from describe_it.models import (
    ApiModel,
    Schema,
    Text,
    Timestamp,
    rule,
    server_rules,
    stripped,
)

TOKEN_FIELD = Field(min_length=16, max_length=256)
# Only a token the server e-mailed is accepted: any other is the same 400, whatever its shape.
ISSUED_TOKEN = rule("token", "a token the server e-mailed, unused and unexpired", code="invalid_format")
MISMATCH = rule(None, "confirmation equal to the new password", message="Passwords do not match")
HTTPS_URL = stripped(r"^https://[^\x00-\x08\x0b-\x1f\x7f]*$")


class TokenRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra=server_rules(ISSUED_TOKEN))

    token: str = TOKEN_FIELD


class EmailRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ana@example.com"}]})

    email: Email = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)


class ResetPasswordRequest(ApiModel):
    """Either ``{email}`` (same as forgot-password) or ``{token, password, …}``."""

    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(
                ISSUED_TOKEN,
                COMMON,
                NOT_EMAIL,
                MISMATCH,
                rule(
                    None, "email, or token and password", message="Send either email, or token and password"
                ),
                rule(None, "a password with the token", message="Password is required"),
            ),
            # Without a token the body is the forgot-password form: the password is not read.
            "if": {"required": ["token"], "properties": {"token": {"type": "string"}}},
            "then": {
                "required": ["password"],
                "properties": {"password": {"type": "string", **NEW_PASSWORD.extra}},
            },
        }
    )

    email: Email | None = Field(None, max_length=254)
    token: str | None = Field(None, min_length=16, max_length=256)
    password: Password | None = Field(None, max_length=1024)
    confirm_password: Password | None = None
    auto_login: bool = False

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value) if value is not None else None

    @model_validator(mode="after")
    def _shape(self) -> ResetPasswordRequest:
        if self.token is None:
            if self.email is None:
                raise ValueError("Send either email, or token and password")
            return self
        if self.password is None:
            raise ValueError("Password is required")
        if self.confirm_password is not None and self.confirm_password != self.password:
            raise ValueError("Passwords do not match")
        return self


class UpdatePasswordRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule(
                "newPassword", "not one of the 10,000 most common passwords", message="Password is too common"
            ),
            rule("newPassword", "not your e-mail address", message="Password must not be your email address"),
            rule(
                None,
                "different from the current password",
                message="New password must differ from the current one",
            ),
            MISMATCH,
        )
    )

    current_password: Password = Field(min_length=1, max_length=128)
    new_password: NewPassword = Field(max_length=1024)
    confirm_new_password: Password | None = None

    @model_validator(mode="after")
    def _check(self) -> UpdatePasswordRequest:
        if self.confirm_new_password is not None and self.confirm_new_password != self.new_password:
            raise ValueError("Passwords do not match")
        if self.new_password == self.current_password:
            raise ValueError("New password must differ from the current one")
        return self


class DeleteAccountRequest(ApiModel):
    password: Password = Field(min_length=1, max_length=128)


class ProfileUpdate(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(UNKNOWN_ZONE),
            "examples": [{"fullName": "Ana García", "spanishLevel": "intermediate"}],
        }
    )

    username: Username | None = None
    full_name: FullName | None = Field(None, min_length=1, max_length=100)
    avatar_url: Annotated[Text, Schema({"pattern": HTTPS_URL, "description": "An https:// URL"})] | None = (
        Field(None, max_length=2048)
    )
    time_zone: TimeZone | None = None
    spanish_level: SpanishLevel | None = None
    ui_language: UiLanguage | None = None

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return check_username(value)

    @field_validator("avatar_url")
    @classmethod
    def _avatar(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("Only HTTPS URLs are allowed")
        return value

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return check_time_zone(value) if value is not None else None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class VerifiedResult(ApiModel):
    verified: bool = True
    user: User


class SentResult(ApiModel):
    sent: bool = True


class ResetResult(ApiModel):
    reset: bool = True
    session: Session | None = None
    user: User | None = None


class TokenValidity(ApiModel):
    valid: bool
    expires_at: Timestamp | None = None


class PasswordUpdated(ApiModel):
    updated: bool = True
    session: Session


class Deleted(ApiModel):
    deleted: bool = True

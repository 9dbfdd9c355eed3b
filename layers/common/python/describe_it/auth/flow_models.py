"""Request and response models of the account flows (verification, reset, password, profile, deletion)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from describe_it.auth.models import (
    Session,
    SpanishLevel,
    UiLanguage,
    User,
    check_email,
    check_time_zone,
    check_username,
)
from describe_it.models import ApiModel, SafeText, Text, Timestamp

TOKEN_FIELD = Field(min_length=16, max_length=256)


class TokenRequest(ApiModel):
    token: str = TOKEN_FIELD


class EmailRequest(ApiModel):
    email: Text = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)


class ResetPasswordRequest(ApiModel):
    """Either ``{email}`` (same as forgot-password) or ``{token, password, …}``."""

    email: Text | None = Field(None, max_length=254)
    token: str | None = Field(None, min_length=16, max_length=256)
    password: str | None = Field(None, max_length=1024)
    confirm_password: str | None = None
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
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(max_length=1024)
    confirm_new_password: str | None = None

    @model_validator(mode="after")
    def _check(self) -> UpdatePasswordRequest:
        if self.confirm_new_password is not None and self.confirm_new_password != self.new_password:
            raise ValueError("Passwords do not match")
        if self.new_password == self.current_password:
            raise ValueError("New password must differ from the current one")
        return self


class DeleteAccountRequest(ApiModel):
    password: str = Field(min_length=1, max_length=128)


class ProfileUpdate(ApiModel):
    username: Text | None = None
    full_name: SafeText | None = Field(None, min_length=1, max_length=100)
    avatar_url: Text | None = Field(None, max_length=2048)
    time_zone: Text | None = None
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

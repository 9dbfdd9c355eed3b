"""Typed settings, read once per cold start.

Every knob of the service lives here; domain code receives values from this object and never reads
``os.environ``. In AWS the values come from the function's environment (set by template.yaml) and
secrets from Secrets Manager (see ``secrets.py``); on a laptop ``infra/local`` writes a generated
env file under ``.local/`` and exports it before anything imports this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

API_VERSION = "3.0.0"

DbRole = Literal["app", "auth", "admin"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# Comma-separated in the environment (friendlier in templates than JSON).
CsvList = Annotated[list[str], NoDecode, BeforeValidator(_split_csv)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # "local": laptop stack and tests; "aws": deployed. Decides only where secrets come from and
    # what local conveniences (demo data, console e-mail) are allowed.
    stage: Literal["local", "aws"] = "local"
    app_base_url: str = "http://127.0.0.1:8000"  # the frontend (redirect targets)
    api_base_url: str = "http://127.0.0.1:8000"  # this API (links in e-mails)

    # PostgreSQL: one DSN (locally) or one Secrets Manager secret (AWS) per database role.
    db_app_url: SecretStr | None = None
    db_auth_url: SecretStr | None = None
    db_admin_url: SecretStr | None = None
    db_app_secret_arn: str | None = None
    db_auth_secret_arn: str | None = None
    db_admin_secret_arn: str | None = None
    db_host_override: str | None = None  # the RDS Proxy endpoint, when the secret names the instance
    # Migrations and role bootstrap (operator steps): an admin DSN locally, the RDS master secret in AWS.
    db_migrate_url: SecretStr | None = None
    db_master_secret_arn: str | None = None
    db_connect_timeout_s: float = 3.0
    db_pool_max_size: int = 2

    # DynamoDB (rate limits, cache, idempotency, circuit breaker) and S3.
    state_table: str = "describeit-state"
    aws_region: str = Field("us-east-1", alias="AWS_REGION")
    aws_endpoint_url: str | None = None  # moto's server on loopback in the local stack
    aws_timeout_s: float = 2.0
    export_bucket: str | None = None

    # HTTP
    cors_allowed_origins: CsvList = ["http://localhost:3000", "http://127.0.0.1:3000"]
    cors_allowed_origin_patterns: CsvList = []

    # Identity
    jwt_issuer: str = "https://describe-it.local"
    jwt_audience: str = "describe-it-api"
    jwt_private_key: SecretStr | None = None  # PEM (auth functions only)
    jwt_public_keys: SecretStr | None = None  # JSON {kid: PEM}; the verifying set
    jwt_signing_kid: str | None = None
    jwt_secret_arn: str | None = None  # signing secret (auth functions only)
    jwt_public_keys_secret_arn: str | None = None  # public key set (every other function)
    auth_require_verified_email: bool = True
    ip_hash_secret: SecretStr = SecretStr("local-ip-hash-secret")

    # E-mail: "console" prints (local stack), "ses" sends through Amazon SES.
    email_sender: Literal["console", "ses"] = "console"
    email_from: str = "Describe It <no-reply@describe-it.local>"
    email_sender_function: str | None = None  # the email_sender Lambda, invoked after a commit

    # Providers
    anthropic_api_key: SecretStr | None = None
    # AWS: the server's Anthropic key in Secrets Manager (read on first use; plain text or {"apiKey": …}).
    anthropic_api_key_secret_arn: str | None = None
    anthropic_model: str = "claude-sonnet-4-6"  # a current Sonnet (the SDK warns about deprecated ones)
    unsplash_access_key: SecretStr | None = None
    ai_daily_token_budget: int = 2_000_000  # server-key tokens per UTC day (0 = no budget enforced)
    # Hourly AI request limits per tier (JSON); the seed values of spec §2.3 when unset.
    ai_hourly_limits: dict[str, dict[str, int]] = {
        "ai-describe": {"guest": 5, "free": 10, "basic": 50, "pro": 500},
        "ai-text": {"guest": 20, "free": 60, "basic": 300, "pro": 3000},
    }
    # Per-user (guest: per IP) requests per UTC day and AI class (JSON), charged with the hourly class.
    ai_daily_limits: dict[str, dict[str, int]] = {
        "ai-describe": {"guest": 20, "free": 40, "basic": 200, "pro": 2000},
        "ai-text": {"guest": 100, "free": 240, "basic": 1200, "pro": 12000},
    }
    demo_mode: bool = False
    # Image fetches (spec §9.3): when set, only these hosts ("*.example.com" for subdomains) are fetched.
    image_fetch_allowed_hosts: CsvList = []
    # Base URLs are settings so tests can point them at a fake provider on loopback.
    anthropic_base_url: str = "https://api.anthropic.com"
    unsplash_base_url: str = "https://api.unsplash.com"

    # Users' own provider keys (spec §14.3): KMS envelope encryption in AWS (the template names the
    # variable USER_KEYS_KMS_KEY_ID), else AES-256-GCM with a key file (local stack only).
    api_keys_kms_key_id: str | None = Field(
        None, validation_alias=AliasChoices("API_KEYS_KMS_KEY_ID", "USER_KEYS_KMS_KEY_ID")
    )
    api_keys_local_key_file: str | None = None
    api_keys_validate_timeout_s: float = 5.0  # the cheap provider call of /api/settings/apikeys/validate

    # Observability
    log_level: str = "INFO"

    def db_url(self, role: DbRole) -> SecretStr | None:
        return {"app": self.db_app_url, "auth": self.db_auth_url, "admin": self.db_admin_url}[role]

    def db_secret_arn(self, role: DbRole) -> str | None:
        return {
            "app": self.db_app_secret_arn,
            "auth": self.db_auth_secret_arn,
            "admin": self.db_admin_secret_arn,
        }[role]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

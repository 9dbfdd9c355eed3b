"""Typed settings, read once per cold start.

Every knob of the service lives here; domain code receives values from this object and never reads
``os.environ``. In AWS the values come from the function's environment (set by template.yaml) and
secrets from Secrets Manager; on a laptop ``infra/local`` exports the generated settings of its
stack (secrets under ``.local/``) before anything imports this module.

The defaults suit the local stack only. Outside it they fail closed: ``get_settings()`` refuses to
start when a setting listed by ``Settings.missing_required`` is not given (one log line names them,
never a value), so a deployment with a gap stops at cold start instead of e-mailing links to
127.0.0.1 or hashing IPs with a published key.
"""

from __future__ import annotations

import json
import sys
from functools import cached_property, lru_cache
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

API_VERSION = "3.0.0"
LOCAL_BASE_URL = "http://127.0.0.1:8000"

DbRole = Literal["app", "auth", "admin"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# Comma-separated in the environment (friendlier in templates than JSON).
CsvList = Annotated[list[str], NoDecode, BeforeValidator(_split_csv)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # "local": laptop stack and tests; "aws": deployed. Decides where secrets come from, what local
    # conveniences (demo data, console e-mail) are allowed, and that required settings have no default.
    stage: Literal["local", "aws"] = "local"
    # Set by Lambda itself: a function that runs in AWS without an explicit STAGE must not start.
    aws_lambda_function_name: str | None = None
    app_base_url: str = LOCAL_BASE_URL  # the frontend (redirect targets)
    # This API's public URL (links in e-mails): API_BASE_URL, or the name of an SSM parameter that
    # holds it, read on first use. The template must use the parameter: a function cannot be given
    # the URL of the HTTP API whose routes refer to it (CloudFormation sees a circular dependency).
    api_base_url_value: str | None = Field(None, validation_alias=AliasChoices("API_BASE_URL"))
    api_base_url_parameter: str | None = None

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

    # Exports (spec §13): at most this many rows run inside the request (PDF: the second number),
    # larger ones in the export worker, started with an asynchronous Invoke of this function (AWS),
    # or on a background thread of the local stack.
    export_inline_max_rows: int = 2000
    export_inline_max_pdf_rows: int = 500
    export_worker_function: str | None = None

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

    @cached_property
    def api_base_url(self) -> str:
        """Read from SSM on first use (never at import time); a failure is not cached."""
        if self.api_base_url_value:
            return self.api_base_url_value
        if not self.api_base_url_parameter:
            return LOCAL_BASE_URL  # local stage only: outside it one of the two is required
        from botocore.exceptions import BotoCoreError, ClientError

        from describe_it.aws import client
        from describe_it.errors import DependencyDown

        try:
            answer = client("ssm").get_parameter(Name=self.api_base_url_parameter)
        except (BotoCoreError, ClientError) as exc:  # refused, unreachable, timed out: 503, retry later
            raise DependencyDown("Configuration is unavailable", retry_after=5) from exc
        return str(answer["Parameter"]["Value"])

    def missing_required(self) -> list[str]:
        """Settings that must be given outside the local stage, by environment variable name.

        Required in AWS (template.yaml sets them for every function): STAGE itself (a Lambda
        without it would otherwise run as "local"), APP_BASE_URL, API_BASE_URL or
        API_BASE_URL_PARAMETER, IP_HASH_SECRET, JWT_ISSUER and STATE_TABLE; and a database login
        (a DB_<ROLE>_SECRET_ARN or DB_<ROLE>_URL) wherever DB_HOST_OVERRIDE puts a function on
        the proxy. Which functions need a database or token keys at all is a property of their code:
        tests/unit/test_iam_coverage.py checks it against the template.
        """
        given = self.model_fields_set
        if "stage" not in given and self.aws_lambda_function_name is None:
            return []  # a laptop, the tests, an operator's shell: the local stage
        if self.stage == "local" and "stage" in given:
            return []  # explicitly local (the local stack, `sam local`)
        missing = [] if "stage" in given else ["STAGE"]
        for names in (
            ("app_base_url",),
            ("api_base_url_value", "api_base_url_parameter"),
            ("ip_hash_secret",),
            ("jwt_issuer",),
            ("state_table",),
        ):
            if not given & set(names):
                missing.append("|".join(_env_name(n) for n in names))
        roles: tuple[DbRole, ...] = ("app", "auth", "admin")
        if self.db_host_override and not any(self.db_url(r) or self.db_secret_arn(r) for r in roles):
            missing.append("DB_<ROLE>_SECRET_ARN")
        return missing

    def db_url(self, role: DbRole) -> SecretStr | None:
        return {"app": self.db_app_url, "auth": self.db_auth_url, "admin": self.db_admin_url}[role]

    def configured_db_role(self) -> DbRole | None:
        """The database role this function may use for checks every function makes (the session
        check of ``runtime.revocations``): in AWS each function is given exactly one; the local stack
        has all three and prefers ``app``."""
        roles: tuple[DbRole, ...] = ("app", "auth", "admin")
        return next((r for r in roles if self.db_url(r) is not None or self.db_secret_arn(r)), None)

    def db_secret_arn(self, role: DbRole) -> str | None:
        return {
            "app": self.db_app_secret_arn,
            "auth": self.db_auth_secret_arn,
            "admin": self.db_admin_secret_arn,
        }[role]


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias or field).upper()


class SettingsError(RuntimeError):
    """The function cannot start: settings are missing or invalid. Names only, never values."""


def _refuse(message: str, names: list[str]) -> SettingsError:
    # The one log line: plain JSON on stderr, because the logger itself is configured from settings.
    line = {"level": "ERROR", "service": "describe-it", "message": message, "settings": names}
    sys.stderr.write(json.dumps(line) + "\n")
    sys.stderr.flush()
    return SettingsError(f"{message}: {', '.join(names)}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; refuses to start (``SettingsError``) rather than run on wrong
    defaults outside the local stage."""
    try:
        settings = Settings()
    except ValidationError as exc:
        # pydantic's message quotes the input: a secret could end up in the log. Names only.
        names = sorted({str(error["loc"][0]).upper() for error in exc.errors() if error["loc"]})
        raise _refuse("invalid settings", names) from None
    missing = settings.missing_required()
    if missing:
        raise _refuse("missing required settings", missing)
    return settings

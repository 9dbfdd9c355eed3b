"""The local stack: PostgreSQL + moto (DynamoDB, S3) + generated secrets, as `make run` and the tests use it.

Everything generated (database data, role passwords, signing keys) lives under ``.local/`` and is
reused by the next run. ``environment()`` is the settings the functions read, as environment variables.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from infra.local import aws, postgres

ROOT = Path(__file__).resolve().parents[2]
LOCAL_DIR = ROOT / ".local"
DB_ROLES = ("app", "auth", "admin")
STATE_TABLE = "describeit-state"
BUCKET = "describeit-local"


@dataclass
class Stack:
    server: postgres.Server
    local_aws: aws.LocalAws
    database: str
    secrets: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)

    def admin_dsn(self) -> str:
        return self.server.admin_dsn_for(self.database)

    def role_dsn(self, role: str) -> str:
        return self.server.dsn(self.database, f"describeit_{role}", self.secrets[f"db_{role}_password"])

    def stop(self) -> None:
        self.local_aws.stop()
        self.server.stop()


def load_secrets(local_dir: Path = LOCAL_DIR) -> dict[str, str]:
    """Generated once per checkout, never committed (.local/ is ignored)."""
    path = local_dir / "secrets.json"
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for role in DB_ROLES:
        if f"db_{role}_password" not in data:
            data[f"db_{role}_password"] = secrets.token_urlsafe(24)
            changed = True
    if "ip_hash_secret" not in data:
        data["ip_hash_secret"] = secrets.token_urlsafe(32)
        changed = True
    if "jwt_private_key" not in data:
        from describe_it.auth.keys import generate_signing_key

        kid, private_pem, public_pem = generate_signing_key()
        data.update(jwt_kid=kid, jwt_private_key=private_pem, jwt_public_key=public_pem)
        changed = True
    if changed:
        local_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2))
        path.chmod(0o600)
    return data


def create_database(server: postgres.Server, name: str, *, fresh: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.admin_dsn, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: postgres.Server, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def start(database: str = "describeit", *, fresh: bool = False, local_dir: Path = LOCAL_DIR) -> Stack:
    from describe_it.db import migrate

    local_dir.mkdir(parents=True, exist_ok=True)
    generated = load_secrets(local_dir)
    server = postgres.start(local_dir)
    create_database(server, database, fresh=fresh)
    admin = server.admin_dsn_for(database)
    migrate.bootstrap_roles(admin, {f"describeit_{r}": generated[f"db_{r}_password"] for r in DB_ROLES})
    migrate.migrate(admin)

    local_aws = aws.start()
    aws.create_state_table(local_aws.endpoint, STATE_TABLE)
    aws.create_bucket(local_aws.endpoint, BUCKET)
    stack = Stack(server, local_aws, database, generated)
    stack.env = environment(stack)
    return stack


def environment(stack: Stack) -> dict[str, str]:
    s = stack.secrets
    env = {
        "STAGE": "local",
        "DB_APP_URL": stack.role_dsn("app"),
        "DB_AUTH_URL": stack.role_dsn("auth"),
        "DB_ADMIN_URL": stack.role_dsn("admin"),
        "DB_MIGRATE_URL": stack.admin_dsn(),
        "AWS_ENDPOINT_URL": stack.local_aws.endpoint,
        # The emulator, not DynamoDB: on a loaded laptop or CI machine one request can take seconds.
        # AWS's 2 s default would time out there, and botocore's retry would apply a write twice.
        "AWS_TIMEOUT_S": "30",
        "STATE_TABLE": STATE_TABLE,
        "EXPORT_BUCKET": BUCKET,
        "JWT_PRIVATE_KEY": s["jwt_private_key"],
        "JWT_PUBLIC_KEYS": json.dumps({s["jwt_kid"]: s["jwt_public_key"]}),
        "JWT_SIGNING_KID": s["jwt_kid"],
        "IP_HASH_SECRET": s["ip_hash_secret"],
        "AUTH_REQUIRE_VERIFIED_EMAIL": "false",
        "DEMO_MODE": "true",
        "API_KEYS_LOCAL_KEY_FILE": str(LOCAL_DIR / "apikeys.key"),
    }
    aws.fake_credentials(env)
    return env


def export(env: dict[str, str]) -> None:
    """Apply the stack's settings to this process and drop anything built from the old ones."""
    os.environ.update(env)
    from describe_it.aws import reset_clients
    from describe_it.db.pool import close_pools
    from describe_it.settings import get_settings

    get_settings.cache_clear()
    close_pools()
    reset_clients()


RUN_ENV = LOCAL_DIR / "run.env.json"


def publish(env: dict[str, str]) -> None:
    """Let `make invoke` attach to this running stack (removed again by ``unpublish``)."""
    RUN_ENV.write_text(json.dumps(env))
    RUN_ENV.chmod(0o600)


def unpublish() -> None:
    RUN_ENV.unlink(missing_ok=True)


def attach() -> dict[str, str] | None:
    return json.loads(RUN_ENV.read_text()) if RUN_ENV.exists() else None

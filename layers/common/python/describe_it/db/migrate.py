"""The migration runner: role bootstrap, ordered SQL migrations with a checksummed ledger, and a CLI.

Migrations are the files ``NNNN_name.sql`` in ``db/migrations``. Each one is applied in ONE transaction
as ``describeit_owner`` (``SET LOCAL ROLE``), so every object it creates is owned by that role and the
login roles never are. The ledger ``schema_migrations`` records version, name, SHA-256 checksum and
time; an applied file that changed, or disappeared, stops the runner before it does anything (the fix
is a new migration, never an edit). A session-level advisory lock serialises concurrent runners (two
deploys, or a deploy and a laptop): the second one waits, then finds nothing left to do.

CLI: ``python -m describe_it.db.migrate [up|status|bootstrap]``; the admin DSN comes from the settings
(``DB_MIGRATE_URL`` locally; in AWS the RDS master secret named by ``DB_MASTER_SECRET_ARN``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from describe_it.errors import LoggableError

if TYPE_CHECKING:
    from psycopg import Connection

    from describe_it.settings import Settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
ROLES_SQL = Path(__file__).with_name("roles.sql")
OWNER_ROLE = "describeit_owner"
LOGIN_ROLES = ("describeit_app", "describeit_auth", "describeit_admin")

# One fixed key for every runner of this schema ("describe" in ASCII). Advisory locks are per database.
LOCK_KEY = 0x6465736372696265
# How long a runner waits for another one to finish before giving up.
LOCK_WAIT = "10min"
# Inside a migration: fail fast instead of queueing live traffic behind a lock we cannot get.
MIGRATION_LOCK_TIMEOUT = "30s"

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

# Created by the runner (not by a migration): it must exist before the first migration is looked up.
# Owner only: RLS is enabled and no role is granted anything on it (0001 keeps it that way).
_LEDGER_DDL = """
CREATE TABLE public.schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.schema_migrations ENABLE ROW LEVEL SECURITY;
"""


class MigrationError(LoggableError):
    """The runner refused or failed; the message says why and what to do (and is safe to log)."""


def _reason(exc: Exception) -> str:
    """What went wrong, for the operator and the log: never the driver's full text, which names the
    host and port and, in its DETAIL, the values of the rows involved."""
    from describe_it.db.pool import is_auth_failure

    sqlstate = getattr(exc, "sqlstate", None)
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)
    if sqlstate and primary:
        return f"{sqlstate}: {primary}"
    if is_auth_failure(exc):
        return "the login was refused (check the admin credentials)"
    return f"{type(exc).__name__}: the server is unreachable or not accepting connections"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  # the file name without ".sql", e.g. "0001_initial"
    path: Path
    checksum: str  # sha256 hex of the file's bytes

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    name: str
    applied_at: datetime | None  # None: pending
    checksum_ok: bool  # False: the applied file changed, or is missing from disk
    on_disk: bool = True

    @property
    def state(self) -> str:
        if not self.on_disk:
            return "missing"
        if self.applied_at is None:
            return "pending"
        return "applied" if self.checksum_ok else "changed"


@dataclass(frozen=True)
class _Applied:
    version: int
    name: str
    checksum: str
    applied_at: datetime


def discover(directory: Path | None = None) -> list[Migration]:
    """The migration files in version order; a stray or duplicate file is an error, not a skip."""
    folder = directory or MIGRATIONS_DIR
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_name.sql (lower case)")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version:04d} is already used by {found[version].path.name}"
            )
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        found[version] = Migration(version, path.stem, path, checksum)
    return [found[v] for v in sorted(found)]


def _connect(admin_dsn: str) -> Connection[Any]:
    import psycopg

    try:
        return psycopg.connect(
            admin_dsn, autocommit=True, connect_timeout=10, application_name="describeit-migrate"
        )
    except psycopg.OperationalError as exc:
        raise MigrationError(f"cannot connect to the database: {_reason(exc)}") from exc


def _set_owner_role(conn: Connection[Any]) -> None:
    """Inside a transaction: act as the owner until it ends."""
    import psycopg

    try:
        conn.execute(f"SET LOCAL ROLE {OWNER_ROLE}")
    except psycopg.Error as exc:
        raise MigrationError(
            f"cannot SET ROLE {OWNER_ROLE} ({_reason(exc)}); "
            "run `python -m describe_it.db.migrate bootstrap` first"
        ) from exc


# --- bootstrap ---------------------------------------------------------------------------------------


def bootstrap_roles(admin_dsn: str, passwords: dict[str, str] | None = None) -> None:
    """Run roles.sql (idempotent) and, when given, set the login roles' passwords.

    Passwords are sent as SCRAM verifiers computed here, so the clear text never reaches the server
    (nor its statement log).
    """
    import psycopg
    from psycopg import sql

    passwords = passwords or {}
    unknown = sorted(set(passwords) - set(LOGIN_ROLES))
    if unknown:
        raise ValueError(f"not a login role: {', '.join(unknown)} (expected {', '.join(LOGIN_ROLES)})")
    if any(not password for password in passwords.values()):
        raise ValueError("empty password")
    with _connect(admin_dsn) as conn:
        try:
            conn.execute(ROLES_SQL.read_text(encoding="utf-8"))
            for role, password in sorted(passwords.items()):
                verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(verifier.decode())
                    )
                )
        except psycopg.Error as exc:
            raise MigrationError(
                f"role bootstrap failed (the admin needs CREATEROLE): {_reason(exc)}"
            ) from exc


# --- migrate -----------------------------------------------------------------------------------------


def _ensure_ledger(conn: Connection[Any]) -> None:
    import psycopg

    with conn.transaction():
        _set_owner_role(conn)
        row = conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()
        if row is None or row[0] is None:
            try:
                conn.execute(_LEDGER_DDL)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise MigrationError(
                    f"{OWNER_ROLE} cannot create tables in this database ({_reason(exc)}); "
                    "run `python -m describe_it.db.migrate bootstrap` first"
                ) from exc


def _read_ledger(conn: Connection[Any]) -> dict[int, _Applied]:
    """The applied migrations; empty when the ledger does not exist yet (reads create nothing)."""
    with conn.transaction():
        _set_owner_role(conn)
        row = conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()
        if row is None or row[0] is None:
            return {}
        rows = conn.execute(
            "SELECT version, name, checksum, applied_at FROM public.schema_migrations ORDER BY version"
        ).fetchall()
    return {r[0]: _Applied(r[0], r[1], r[2], r[3]) for r in rows}


def _problems(applied: dict[int, _Applied], on_disk: list[Migration], folder: Path) -> list[str]:
    by_version = {m.version: m for m in on_disk}
    problems = []
    for entry in applied.values():
        migration = by_version.get(entry.version)
        if migration is None:
            problems.append(f"{entry.name} was applied but is missing from {folder}")
        elif migration.name != entry.name:
            problems.append(
                f"version {entry.version:04d} was applied as {entry.name} but is now {migration.name}"
            )
        elif migration.checksum != entry.checksum:
            problems.append(f"{migration.path.name} changed after it was applied")
    newest = max(applied, default=0)
    for migration in on_disk:
        if migration.version not in applied and migration.version < newest:
            problems.append(
                f"{migration.name} is pending but the newer {applied[newest].name} is already applied"
            )
    return problems


def _apply(conn: Connection[Any], migration: Migration) -> None:
    import psycopg

    try:
        with conn.transaction():
            _set_owner_role(conn)
            conn.execute(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'")
            # Sent without parameters: the whole file runs as one multi-statement query, as written.
            conn.execute(migration.sql())
            conn.execute(
                "INSERT INTO public.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                [migration.version, migration.name, migration.checksum],
            )
    except psycopg.Error as exc:
        raise MigrationError(f"{migration.name} failed and was rolled back: {_reason(exc)}") from exc


def migrate(admin_dsn: str, directory: Path | None = None) -> list[str]:
    """Apply the pending migrations in version order; returns the names applied ([] when up to date)."""
    import psycopg

    folder = directory or MIGRATIONS_DIR
    on_disk = discover(folder)
    with _connect(admin_dsn) as conn:
        try:
            conn.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
            conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            conn.execute("RESET lock_timeout")
        except psycopg.errors.LockNotAvailable as exc:
            raise MigrationError(f"another migration runner held the lock for over {LOCK_WAIT}") from exc
        try:
            _ensure_ledger(conn)
            applied = _read_ledger(conn)
            problems = _problems(applied, on_disk, folder)
            if problems:
                raise MigrationError(
                    "refusing to migrate: "
                    + "; ".join(problems)
                    + ". Applied migrations are immutable: restore them and put changes in a new migration."
                )
            done = []
            for migration in on_disk:
                if migration.version not in applied:
                    _apply(conn, migration)
                    done.append(migration.name)
            return done
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def status(admin_dsn: str, directory: Path | None = None) -> list[MigrationStatus]:
    """Every migration on disk or in the ledger, in version order. Read-only."""
    folder = directory or MIGRATIONS_DIR
    on_disk = {m.version: m for m in discover(folder)}
    with _connect(admin_dsn) as conn:
        applied = _read_ledger(conn)
    result = []
    for version in sorted(set(on_disk) | set(applied)):
        migration, entry = on_disk.get(version), applied.get(version)
        if migration is None:
            assert entry is not None
            result.append(
                MigrationStatus(version, entry.name, entry.applied_at, checksum_ok=False, on_disk=False)
            )
        elif entry is None:
            result.append(MigrationStatus(version, migration.name, None, checksum_ok=True))
        else:
            ok = entry.checksum == migration.checksum and entry.name == migration.name
            result.append(MigrationStatus(version, migration.name, entry.applied_at, checksum_ok=ok))
    return result


# --- configuration (admin DSN, login passwords) ------------------------------------------------------


def _read_secret(arn: str) -> dict[str, Any]:
    from describe_it.aws import client

    value: dict[str, Any] = json.loads(
        client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    )
    return value


def admin_dsn_from_settings(settings: Settings | None = None) -> str:
    """``db_migrate_url`` when set (local); else the RDS master secret ``db_master_secret_arn`` (AWS)."""
    from psycopg.conninfo import make_conninfo

    from describe_it.settings import get_settings

    settings = settings or get_settings()
    if settings.db_migrate_url is not None:
        return settings.db_migrate_url.get_secret_value()
    if settings.db_master_secret_arn is None:
        raise MigrationError("no admin database configured: set DB_MIGRATE_URL or DB_MASTER_SECRET_ARN")
    secret = _read_secret(settings.db_master_secret_arn)
    host = secret.get("host") or settings.db_host_override
    if not host:
        raise MigrationError(
            "the master secret has no host (attach it to the DB instance) and DB_HOST_OVERRIDE is unset"
        )
    return make_conninfo(
        host=host,
        port=secret.get("port", 5432),
        dbname=secret.get("dbname") or "describeit",
        user=secret["username"],
        password=secret["password"],
        sslmode="require" if settings.stage == "aws" else "prefer",
    )


def login_passwords_from_settings(settings: Settings | None = None) -> dict[str, str]:
    """The login roles' passwords: from their secrets (AWS), else from their local DSNs."""
    from psycopg.conninfo import conninfo_to_dict

    from describe_it.settings import get_settings

    settings = settings or get_settings()
    passwords: dict[str, str] = {}
    for short in ("app", "auth", "admin"):
        role = f"describeit_{short}"
        arn = settings.db_secret_arn(short)
        url = settings.db_url(short)
        if arn is not None:
            secret = _read_secret(arn)
            if secret.get("username") != role:
                raise MigrationError(
                    f"the secret for {role} names user {secret.get('username')!r}, expected {role!r}"
                )
            passwords[role] = str(secret["password"])
        elif url is not None:
            params = conninfo_to_dict(url.get_secret_value())
            if params.get("user") == role and params.get("password"):
                passwords[role] = str(params["password"])
    return passwords


# --- CLI ---------------------------------------------------------------------------------------------


def format_status(rows: list[MigrationStatus]) -> str:
    lines = [f"{'version':<8} {'name':<40} {'state':<8} applied_at"]
    for row in rows:
        applied = row.applied_at.isoformat(timespec="seconds") if row.applied_at else "-"
        lines.append(f"{row.version:04d}     {row.name:<40} {row.state:<8} {applied}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m describe_it.db.migrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="up",
        choices=["up", "status", "bootstrap"],
        help="up: apply pending migrations (default); status: list them; bootstrap: roles and passwords",
    )
    parser.add_argument(
        "--migrations-dir",
        type=Path,
        default=None,
        help=f"where the NNNN_name.sql files are ({MIGRATIONS_DIR})",
    )
    args = parser.parse_args(argv)
    try:
        dsn = admin_dsn_from_settings()
        if args.command == "bootstrap":
            passwords = login_passwords_from_settings()
            bootstrap_roles(dsn, passwords)
            print(f"roles ready; passwords set for: {', '.join(sorted(passwords)) or 'none'}")
            return 0
        if args.command == "up":
            applied = migrate(dsn, args.migrations_dir)
            print(f"applied: {', '.join(applied)}" if applied else "up to date: nothing to apply")
        print(format_status(status(dsn, args.migrations_dir)))
        return 0
    except MigrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The migration runner against a real PostgreSQL: fresh databases, refusals, races, status and the CLI."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from describe_it.db import migrate
from describe_it.db.migrate import MigrationError
from infra.local.stack import Stack

# Every table of schema.md (the runner's ledger included).
SCHEMA_TABLES = {
    "users", "auth_refresh_tokens", "auth_action_tokens", "email_outbox", "user_api_keys", "user_settings",
    "images", "sessions", "sessions_archive", "saved_descriptions", "vocabulary_lists",
    "vocabulary_list_shares", "vocabulary_items", "learning_progress", "review_logs", "qa_responses",
    "user_interactions", "learning_analytics", "analytics_events", "export_history", "schema_migrations",
}  # fmt: skip
ALL_MIGRATIONS = [m.name for m in migrate.discover()]


def _tables(dsn: str) -> dict[str, str]:
    """table name -> owner, for the public schema."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return dict(rows)


def _ledger(dsn: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
        ).fetchall()


@pytest.fixture
def bootstrapped(empty_database: str) -> str:
    migrate.bootstrap_roles(empty_database)
    return empty_database


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    """The project's first migration, copied where a test may edit, add or delete files.

    Only 0001: these tests add their own 0002/0003, which must be newer than everything applied.
    """
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(migrate.MIGRATIONS_DIR / "0001_initial.sql", folder)
    return folder


def test_migrations_build_the_whole_schema_in_an_empty_database_and_rerunning_is_a_no_op(
    bootstrapped: str,
) -> None:
    assert migrate.migrate(bootstrapped) == ALL_MIGRATIONS
    assert ALL_MIGRATIONS[0] == "0001_initial"
    assert migrate.migrate(bootstrapped) == []

    tables = _tables(bootstrapped)
    assert set(tables) == SCHEMA_TABLES
    assert set(tables.values()) == {"describeit_owner"}
    ledger = _ledger(bootstrapped)
    assert ledger == [
        (m.version, m.name, hashlib.sha256(m.path.read_bytes()).hexdigest()) for m in migrate.discover()
    ]


def test_every_schema_object_belongs_to_the_owner_role(bootstrapped: str) -> None:
    migrate.migrate(bootstrapped)
    with psycopg.connect(bootstrapped) as conn:
        # Objects created by the migration (extension members excluded: the extension owns those).
        foreign = conn.execute(
            """
            SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'describeit_owner'
               AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
            UNION ALL
            SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'describeit_owner'
               AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            UNION ALL
            SELECT t.typname, pg_get_userbyid(t.typowner) FROM pg_type t
              JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype = 'e'
               AND pg_get_userbyid(t.typowner) <> 'describeit_owner'
            """
        ).fetchall()
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension").fetchall()}
        view_owner = conn.execute(
            "SELECT viewowner FROM pg_views WHERE viewname = 'user_public_profiles'"
        ).fetchone()
    assert foreign == []
    assert {"citext", "unaccent", "pg_trgm"} <= extensions
    assert view_owner == ("describeit_owner",)


def test_bootstrap_is_idempotent_and_sets_the_role_defaults(bootstrapped: str, stack: Stack) -> None:
    migrate.bootstrap_roles(bootstrapped)  # second run: no error
    with psycopg.connect(stack.role_dsn("app")) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("10s",)
    with psycopg.connect(stack.role_dsn("admin")) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("1min",)
    with psycopg.connect(bootstrapped) as conn:
        owner = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'describeit_owner'").fetchone()
    assert owner == (False,)


def test_bootstrap_sets_login_passwords_as_scram_verifiers(bootstrapped: str, stack: Stack) -> None:
    # The same password again (roles are cluster-wide: other tests keep logging in meanwhile).
    def verifier() -> str:
        with psycopg.connect(stack.server.admin_dsn) as conn:
            row = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'describeit_auth'"
            ).fetchone()
        assert row is not None
        return str(row[0])

    before = verifier()
    migrate.bootstrap_roles(bootstrapped, {"describeit_auth": stack.secrets["db_auth_password"]})
    after = verifier()

    assert after != before  # a new salt: the password was really set
    assert after.startswith("SCRAM-SHA-256$")
    with psycopg.connect(stack.role_dsn("auth")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("describeit_auth",)


def test_bootstrap_rejects_unknown_roles(bootstrapped: str) -> None:
    with pytest.raises(ValueError, match="not a login role"):
        migrate.bootstrap_roles(bootstrapped, {"describeit_owner": "secret-password"})


def test_a_changed_applied_migration_is_refused(bootstrapped: str, migrations_copy: Path) -> None:
    assert migrate.migrate(bootstrapped, migrations_copy) == ["0001_initial"]
    first = migrations_copy / "0001_initial.sql"
    first.write_text(first.read_text() + "\n-- a harmless-looking edit\n")
    (migrations_copy / "0002_next.sql").write_text("CREATE TABLE next_thing (id integer);\n")

    with pytest.raises(MigrationError, match=r"0001_initial\.sql changed after it was applied"):
        migrate.migrate(bootstrapped, migrations_copy)

    assert "next_thing" not in _tables(bootstrapped)  # nothing ran, not even the new migration
    states = {s.name: (s.state, s.checksum_ok) for s in migrate.status(bootstrapped, migrations_copy)}
    assert states == {"0001_initial": ("changed", False), "0002_next": ("pending", True)}


def test_an_applied_migration_missing_from_disk_is_refused(bootstrapped: str, migrations_copy: Path) -> None:
    (migrations_copy / "0002_next.sql").write_text("CREATE TABLE next_thing (id integer);\n")
    migrate.migrate(bootstrapped, migrations_copy)
    (migrations_copy / "0002_next.sql").unlink()

    with pytest.raises(MigrationError, match="0002_next was applied but is missing"):
        migrate.migrate(bootstrapped, migrations_copy)
    missing = [s for s in migrate.status(bootstrapped, migrations_copy) if s.version == 2]
    assert [(s.state, s.checksum_ok, s.applied_at is not None) for s in missing] == [("missing", False, True)]


def test_badly_named_migration_files_are_refused(bootstrapped: str, migrations_copy: Path) -> None:
    (migrations_copy / "2_oops.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        migrate.migrate(bootstrapped, migrations_copy)


def test_new_migrations_apply_in_order_and_a_failing_one_leaves_nothing_behind(
    bootstrapped: str, migrations_copy: Path
) -> None:
    migrate.migrate(bootstrapped, migrations_copy)
    (migrations_copy / "0002_add_notes.sql").write_text("CREATE TABLE notes (id integer PRIMARY KEY);\n")
    (migrations_copy / "0003_broken.sql").write_text(
        "CREATE TABLE half_done (id integer);\nALTER TABLE no_such_table ADD COLUMN x integer;\n"
    )

    with pytest.raises(MigrationError, match="0003_broken failed and was rolled back"):
        migrate.migrate(bootstrapped, migrations_copy)

    tables = _tables(bootstrapped)
    assert tables["notes"] == "describeit_owner"
    assert "half_done" not in tables
    assert [row[1] for row in _ledger(bootstrapped)] == ["0001_initial", "0002_add_notes"]

    (migrations_copy / "0003_broken.sql").write_text("CREATE TABLE half_done (id integer);\n")
    assert migrate.migrate(bootstrapped, migrations_copy) == ["0003_broken"]


def test_concurrent_runners_apply_each_migration_exactly_once(
    bootstrapped: str, migrations_copy: Path
) -> None:
    # A slow second migration widens the window in which both runners are active.
    (migrations_copy / "0002_slow.sql").write_text(
        "SELECT pg_sleep(0.3);\nCREATE TABLE slow_done (id integer);\n"
    )
    start = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(migrate.migrate(bootstrapped, migrations_copy))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [[], ["0001_initial", "0002_slow"]]
    assert [row[1] for row in _ledger(bootstrapped)] == ["0001_initial", "0002_slow"]


def test_status_reports_pending_then_applied_without_creating_anything(bootstrapped: str) -> None:
    before = migrate.status(bootstrapped)
    assert [(s.name, s.state, s.applied_at, s.checksum_ok) for s in before] == [
        (name, "pending", None, True) for name in ALL_MIGRATIONS
    ]
    assert "schema_migrations" not in _tables(bootstrapped)  # status only reads

    migrate.migrate(bootstrapped)
    after = migrate.status(bootstrapped)
    assert [(s.version, s.name, s.state, s.checksum_ok) for s in after] == [
        (m.version, m.name, "applied", True) for m in migrate.discover()
    ]
    assert after[0].applied_at is not None


def test_migrate_without_bootstrap_says_what_to_do(empty_database: str) -> None:
    # A database where describeit_owner has no rights yet: the failure names the missing step.
    with pytest.raises(MigrationError, match=r"run `python -m describe_it\.db\.migrate bootstrap` first"):
        migrate.migrate(empty_database)
    assert "users" not in _tables(empty_database)


@pytest.fixture
def cli_database(bootstrapped: str, settings_env: Callable[..., None]) -> str:
    settings_env(DB_MIGRATE_URL=bootstrapped)
    return bootstrapped


def test_cli_applies_and_prints_a_status_table(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate.main(["status"]) == 0
    assert "0001_initial" in capsys.readouterr().out

    assert migrate.main(["up"]) == 0
    out = capsys.readouterr().out
    assert "applied: 0001_initial" in out
    assert "applied " in out.splitlines()[-1]  # the table row shows the state

    assert migrate.main([]) == 0  # "up" is the default
    assert "up to date" in capsys.readouterr().out


def test_cli_refusal_exits_1_with_the_reason(
    cli_database: str, migrations_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert migrate.main(["up", "--migrations-dir", str(migrations_copy)]) == 0
    first = migrations_copy / "0001_initial.sql"
    first.write_text(first.read_text().replace("fuzzy matching", "trigram matching"))

    assert migrate.main(["up", "--migrations-dir", str(migrations_copy)]) == 1
    err = capsys.readouterr().err
    assert "refusing to migrate" in err
    assert "0001_initial.sql changed" in err


def test_cli_without_a_configured_database_exits_1(
    settings_env: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    settings_env(DB_MIGRATE_URL=None, DB_MASTER_SECRET_ARN=None)
    assert migrate.main(["status"]) == 1
    assert "DB_MIGRATE_URL" in capsys.readouterr().err


# --- an RDS-like administrator: CREATEROLE and CREATEDB, but not a superuser ------------------------------


@pytest.fixture
def rds_like_master(stack: Stack) -> Iterator[str]:
    """A non-superuser admin that owns a new database, as the RDS master user does; yields its DSN.

    On RDS the master user creates the four roles and so holds ADMIN OPTION on them (PostgreSQL 16+);
    here they already exist, so the superuser hands over exactly that grant.
    """
    suffix = uuid4().hex[:10]
    master, database, password = f"test_master_{suffix}", f"describeit_rds_{suffix}", "master-password-1"
    superuser = stack.server.admin_dsn
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB PASSWORD {}").format(
                sql.Identifier(master), sql.Literal(password)
            )
        )
        version = conn.info.server_version
        if version >= 160000:
            for role in ("describeit_owner", *migrate.LOGIN_ROLES):
                conn.execute(
                    sql.SQL("GRANT {} TO {} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE").format(
                        sql.Identifier(role), sql.Identifier(master)
                    )
                )
    master_dsn = make_conninfo(superuser, user=master, password=password)
    with psycopg.connect(master_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        yield make_conninfo(master_dsn, dbname=database)
    finally:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(master)))


def test_a_non_superuser_master_can_bootstrap_and_migrate(rds_like_master: str, stack: Stack) -> None:
    with psycopg.connect(rds_like_master) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
            False,
        )

    migrate.bootstrap_roles(rds_like_master)
    migrate.bootstrap_roles(rds_like_master)
    assert migrate.migrate(rds_like_master) == ALL_MIGRATIONS
    assert migrate.migrate(rds_like_master) == []

    tables = _tables(rds_like_master)
    assert set(tables) == SCHEMA_TABLES
    assert set(tables.values()) == {"describeit_owner"}
    # The login roles can use the new database under RLS.
    database = conninfo_to_dict(rds_like_master)["dbname"]
    with psycopg.connect(
        stack.server.dsn(str(database), "describeit_app", stack.secrets["db_app_password"])
    ) as conn:
        conn.execute("SELECT set_config('app.user_id', '', true)")
        assert conn.execute("SELECT count(*) FROM vocabulary_lists").fetchone() == (0,)

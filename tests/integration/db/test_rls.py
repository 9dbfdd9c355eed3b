"""Row-level security and grants, exercised through the real login roles (schema.md §7).

Users A, B and C own rows in every user-owned table (created as the admin, who bypasses RLS). The app
role then acts as A, or as a guest, with no WHERE clause at all: what it can see and touch must be
exactly what the spec's table allows. Each table is a separate parametrised case, so a missing
policy or grant fails a test that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from infra.local.stack import Stack

FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


@dataclass
class World:
    """Ids of the rows created for a test, and a label (who owns it) for each row key per table."""

    a: UUID
    b: UUID
    c: UUID
    image: UUID
    lists: dict[str, UUID] = field(default_factory=dict)
    items: dict[str, UUID] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, table: str, key: Any, label: str) -> None:
        self.labels.setdefault(table, {})[str(key)] = label


@dataclass(frozen=True)
class Table:
    name: str
    key: str  # SQL expression naming a row (matches World.labels keys)
    touch: str  # SET clause for the UPDATE test (changes every row it reaches)
    visible_to_a: frozenset[str]
    visible_to_guest: frozenset[str] = frozenset()
    updated_by_a: frozenset[str] | None = None  # None: UPDATE is refused (no grant)
    deleted_by_a: frozenset[str] | None = None  # None: DELETE is refused
    inserts: bool = False  # the app role may insert its own rows


def _t(name: str, key: str, touch: str, visible: set[str], guest: set[str] | None = None, **kw: Any) -> Table:
    for op in ("updated_by_a", "deleted_by_a"):
        if kw.get(op) is not None:
            kw[op] = frozenset(kw[op])
    return Table(name, key, touch, frozenset(visible), frozenset(guest or ()), **kw)


A = {"A"}
TABLES = [
    _t("users", "id", "full_name = 'Touched'", A),
    _t("user_api_keys", "id", "last4 = 'zzzz'", A, updated_by_a=A, deleted_by_a=A, inserts=True),
    _t("user_settings", "user_id", """settings = '{"touched": true}'""", A, updated_by_a=A),
    _t("sessions", "id", """session_data = '{"touched": true}'""", A, updated_by_a=A, inserts=True),
    _t("sessions_archive", "id", """session_data = '{"touched": true}'""", A),
    _t(
        "saved_descriptions", "id", "personal_notes = 'touched'", {"A", "B-public"}, {"B-public"},
        updated_by_a=A, deleted_by_a=A, inserts=True,
    ),
    _t(
        "vocabulary_lists", "id", "description = 'touched'", {"A", "B-shared", "B-public", "system"},
        {"B-public", "system"}, updated_by_a=A, deleted_by_a=A, inserts=True,
    ),
    _t(
        "vocabulary_list_shares", "list_id::text || '/' || user_id::text", "created_at = '2001-01-01Z'",
        {"A-list to B", "B-list to A"},
        updated_by_a={"A-list to B"}, deleted_by_a={"A-list to B"}, inserts=True,
    ),
    _t(
        "vocabulary_items", "id", "usage_notes = 'touched'", {"A", "B-shared", "B-public", "system"},
        {"B-public", "system"}, updated_by_a=A, deleted_by_a=A, inserts=True,
    ),
    _t(
        "learning_progress", "id", "average_response_time_ms = 1234", A,
        updated_by_a=A, deleted_by_a=A, inserts=True,
    ),
    _t("review_logs", "id", "review_duration_ms = 1234", A, inserts=True),
    _t("qa_responses", "id", "hint_used = true", A, updated_by_a=A, deleted_by_a=A, inserts=True),
    _t("user_interactions", "id", "category = 'touched'", A, inserts=True),
    _t("learning_analytics", "user_id::text || '/' || period_type", "points = 99", A),
    _t("export_history", "id", "error_message = 'touched'", A, updated_by_a=A, deleted_by_a=A, inserts=True),
    _t("analytics_events", "id", "page_path = '/touched'", A, inserts=True),
]  # fmt: skip
TABLE_IDS = [t.name for t in TABLES]
AUTH_TABLES = {"users", "auth_refresh_tokens", "auth_action_tokens", "email_outbox"}


def _one(conn: psycopg.Connection[Any], query: str, params: list[Any]) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def build_world(admin_dsn: str) -> World:
    """Rows for A, B and C in every user-owned table, plus public, shared and system content."""
    with psycopg.connect(admin_dsn) as conn:
        user = {}
        for name in ("A", "B", "C"):
            user[name] = _one(
                conn,
                "INSERT INTO users (email, username, password_hash) VALUES (%s, %s, %s) RETURNING id",
                [f"{name.lower()}@example.com", f"user_{name.lower()}", FAKE_HASH],
            )
        w = World(user["A"], user["B"], user["C"], image=uuid4())
        for name, uid in user.items():
            w.label("users", uid, name)
            w.label("user_settings", uid, name)  # created by the signup trigger
        conn.execute(
            "INSERT INTO images (id, source_hash, source_type, url) VALUES (%s, %s, 'url', 'https://x.test/1.jpg')",
            [w.image, bytes(32)],
        )
        owners = {"A": w.a, "B": w.b}
        for name, uid in owners.items():
            w.label(
                "user_api_keys",
                _one(
                    conn,
                    "INSERT INTO user_api_keys (user_id, provider, ciphertext, key_id, last4)"
                    " VALUES (%s, 'anthropic', %s, 'local', 'abcd') RETURNING id",
                    [uid, bytes(16)],
                ),
                name,
            )
            w.label(
                "sessions",
                _one(
                    conn,
                    "INSERT INTO sessions (user_id, session_type) VALUES (%s, 'review') RETURNING id",
                    [uid],
                ),
                name,
            )
            w.label(
                "sessions_archive",
                _one(
                    conn,
                    "INSERT INTO sessions_archive (id, user_id, session_type, status, started_at, ended_at)"
                    " VALUES (gen_random_uuid(), %s, 'qa', 'completed', now() - interval '1 hour', now())"
                    " RETURNING id",
                    [uid],
                ),
                name,
            )
        for name, uid, public in (("A", w.a, False), ("B", w.b, False), ("B-public", w.b, True)):
            w.label(
                "saved_descriptions",
                _one(
                    conn,
                    "INSERT INTO saved_descriptions (user_id, image_id, style, english_description,"
                    " spanish_description, word_count_english, word_count_spanish, is_public)"
                    " VALUES (%s, %s, 'narrativo', 'A house.', 'Una casa.', 2, 2, %s) RETURNING id",
                    [uid, w.image, public],
                ),
                name,
            )
        for name, owner, public in (
            ("A", w.a, False),
            ("B", w.b, False),
            ("B-shared", w.b, False),
            ("B-public", w.b, True),
            ("system", None, True),
        ):
            list_id = _one(
                conn,
                "INSERT INTO vocabulary_lists (owner_id, name, is_public) VALUES (%s, %s, %s) RETURNING id",
                [owner, f"List {name}", public],
            )
            w.lists[name] = list_id
            w.label("vocabulary_lists", list_id, name)
            item_id = _one(
                conn,
                "INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation)"
                " VALUES (%s, %s, 'word') RETURNING id",
                [list_id, f"palabra {name}"],
            )
            w.items[name] = item_id
            w.label("vocabulary_items", item_id, name)
        for name, list_name, member in (
            ("A-list to B", "A", w.b),
            ("B-list to A", "B-shared", w.a),
            ("B-list to C", "B", w.c),
        ):
            conn.execute(
                "INSERT INTO vocabulary_list_shares (list_id, user_id) VALUES (%s, %s)",
                [w.lists[list_name], member],
            )
            w.label("vocabulary_list_shares", f"{w.lists[list_name]}/{member}", name)
        for name, uid in owners.items():
            item = w.items[name]
            w.label(
                "learning_progress",
                _one(
                    conn,
                    "INSERT INTO learning_progress (user_id, vocabulary_item_id, state, stability,"
                    " difficulty, due, last_review, reps, correct_count)"
                    " VALUES (%s, %s, 'review', 10, 5, now() + interval '1 day', now(), 1, 1) RETURNING id",
                    [uid, item],
                ),
                name,
            )
            w.label(
                "review_logs",
                _one(
                    conn,
                    "INSERT INTO review_logs (user_id, vocabulary_item_id, rating, reviewed_at, state_after,"
                    " stability_after, difficulty_after, scheduled_days, due_after)"
                    " VALUES (%s, %s, 3, now(), 'review', 10, 5, 1, now() + interval '1 day') RETURNING id",
                    [uid, item],
                ),
                name,
            )
            w.label(
                "qa_responses",
                _one(
                    conn,
                    "INSERT INTO qa_responses (user_id, question, correct_answer, user_answer, is_correct)"
                    " VALUES (%s, '¿Qué ves?', 'Una casa', 'Una casa', true) RETURNING id",
                    [uid],
                ),
                name,
            )
            w.label(
                "user_interactions",
                _one(
                    conn,
                    "INSERT INTO user_interactions (user_id, event_type, occurred_at, local_date)"
                    " VALUES (%s, 'qa_answered', now(), current_date) RETURNING id",
                    [uid],
                ),
                name,
            )
            conn.execute(
                "INSERT INTO learning_analytics (user_id, period_type, period_start)"
                " VALUES (%s, 'daily', current_date)",
                [uid],
            )
            w.label("learning_analytics", f"{uid}/daily", name)
            w.label(
                "export_history",
                _one(
                    conn,
                    "INSERT INTO export_history (user_id, format, content_type)"
                    " VALUES (%s, 'json', 'vocabulary') RETURNING id",
                    [uid],
                ),
                name,
            )
        for name, uid in (*owners.items(), ("anonymous", None)):
            w.label(
                "analytics_events",
                _one(
                    conn,
                    "INSERT INTO analytics_events (event_name, user_id, occurred_at)"
                    " VALUES ('page_view', %s, now()) RETURNING id",
                    [uid],
                ),
                name,
            )
    return w


# INSERT statements for one row of each table owned by `owner` (A's rows must pass, B's be refused).
Insert = Callable[[World, UUID], tuple[str, list[Any]]]
INSERTS: dict[str, Insert] = {
    "users": lambda w, u: (
        "INSERT INTO users (id, email, password_hash) VALUES (%s, 'new@example.com', %s)",
        [u, FAKE_HASH],
    ),
    "user_api_keys": lambda w, u: (
        "INSERT INTO user_api_keys (user_id, provider, ciphertext, key_id, last4)"
        " VALUES (%s, 'unsplash', %s, 'local', 'wxyz')",
        [u, bytes(16)],
    ),
    "user_settings": lambda w, u: ("INSERT INTO user_settings (user_id) VALUES (%s)", [u]),
    "sessions": lambda w, u: ("INSERT INTO sessions (user_id, session_type) VALUES (%s, 'qa')", [u]),
    "sessions_archive": lambda w, u: (
        "INSERT INTO sessions_archive (id, user_id, session_type, status, ended_at)"
        " VALUES (gen_random_uuid(), %s, 'qa', 'completed', now())",
        [u],
    ),
    "saved_descriptions": lambda w, u: (
        "INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,"
        " word_count_english, word_count_spanish) VALUES (%s, %s, 'poetico', 'Sky.', 'Cielo.', 1, 1)",
        [u, w.image],
    ),
    "vocabulary_lists": lambda w, u: (
        "INSERT INTO vocabulary_lists (owner_id, name) VALUES (%s, 'Nueva')",
        [u],
    ),
    # A share belongs to the list's owner: A shares A's list with C; "B's" row shares B's list with A.
    "vocabulary_list_shares": lambda w, u: (
        "INSERT INTO vocabulary_list_shares (list_id, user_id) VALUES (%s, %s)",
        [w.lists["A"], w.c] if u == w.a else [w.lists["B"], w.a],
    ),
    "vocabulary_items": lambda w, u: (
        "INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation)"
        " VALUES (%s, 'nuevo', 'new')",
        [w.lists["A"] if u == w.a else w.lists["B"]],
    ),
    "learning_progress": lambda w, u: (
        "INSERT INTO learning_progress (user_id, vocabulary_item_id, state, step, stability, difficulty, due,"
        " last_review) VALUES (%s, %s, 'learning', 0, 1, 5, now(), now())",
        [u, w.items["system"]],
    ),
    "review_logs": lambda w, u: (
        "INSERT INTO review_logs (user_id, vocabulary_item_id, rating, reviewed_at, state_after,"
        " stability_after, difficulty_after, scheduled_days, due_after)"
        " VALUES (%s, %s, 1, now(), 'learning', 1, 5, 0, now())",
        [u, w.items["system"]],
    ),
    "qa_responses": lambda w, u: (
        "INSERT INTO qa_responses (user_id, question, correct_answer, selected_index, is_correct)"
        " VALUES (%s, '¿Color?', 'Azul', 1, false)",
        [u],
    ),
    "user_interactions": lambda w, u: (
        "INSERT INTO user_interactions (user_id, event_type, occurred_at, local_date)"
        " VALUES (%s, 'session_started', now(), current_date)",
        [u],
    ),
    "learning_analytics": lambda w, u: (
        "INSERT INTO learning_analytics (user_id, period_type, period_start)"
        " VALUES (%s, 'monthly', date_trunc('month', now())::date)",
        [u],
    ),
    "export_history": lambda w, u: (
        "INSERT INTO export_history (user_id, format, content_type) VALUES (%s, 'csv', 'all')",
        [u],
    ),
    "analytics_events": lambda w, u: (
        "INSERT INTO analytics_events (event_name, user_id, occurred_at) VALUES ('click', %s, now())",
        [u],
    ),
}


@contextmanager
def acting(stack: Stack, role: str, user_id: UUID | None) -> Iterator[psycopg.Connection[Any]]:
    """One transaction as a login role, with app.user_id set the way describe_it.db.tx does it."""
    with psycopg.connect(stack.role_dsn(role)) as conn:
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id) if user_id else ""])
        yield conn


def snapshot(stack: Stack, table: Table) -> dict[str, str]:
    """Every row of the table, seen by the superuser: key -> row as JSON."""
    with psycopg.connect(stack.admin_dsn()) as conn:
        query = sql.SQL("SELECT ({})::text, row_to_json(t)::text FROM {} t").format(
            sql.SQL(table.key), sql.Identifier(table.name)
        )
        return dict(conn.execute(query).fetchall())


def changed_labels(world: World, table: Table, before: dict[str, str], after: dict[str, str]) -> set[str]:
    keys = {k for k in before if after.get(k) != before[k]} | (set(after) - set(before))
    return {world.labels[table.name].get(k, f"new row {k}") for k in keys}


def visible_labels(stack: Stack, world: World, table: Table, user_id: UUID | None) -> list[str]:
    with acting(stack, "app", user_id) as conn:
        query = sql.SQL("SELECT ({})::text FROM {}").format(sql.SQL(table.key), sql.Identifier(table.name))
        keys = [row[0] for row in conn.execute(query).fetchall()]
    return sorted(world.labels[table.name].get(k, f"unexpected {k}") for k in keys)


@pytest.fixture
def world(db: Stack) -> World:
    return build_world(db.admin_dsn())


# --- the app role, acting as user A ------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_select_without_where_returns_only_own_and_public_rows(
    stack: Stack, world: World, table: Table
) -> None:
    assert visible_labels(stack, world, table, world.a) == sorted(table.visible_to_a)


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_guests_see_only_public_content(stack: Stack, world: World, table: Table) -> None:
    assert visible_labels(stack, world, table, None) == sorted(table.visible_to_guest)


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_update_without_where_touches_only_own_rows(stack: Stack, world: World, table: Table) -> None:
    before = snapshot(stack, table)
    statement = sql.SQL("UPDATE {} SET {}").format(sql.Identifier(table.name), sql.SQL(table.touch))
    if table.updated_by_a is None:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
            conn.execute(statement)
        assert snapshot(stack, table) == before
    else:
        with acting(stack, "app", world.a) as conn:
            conn.execute(statement)
        assert changed_labels(world, table, before, snapshot(stack, table)) == table.updated_by_a


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_delete_without_where_removes_only_own_rows(stack: Stack, world: World, table: Table) -> None:
    before = snapshot(stack, table)
    statement = sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name))
    if table.deleted_by_a is None:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
            conn.execute(statement)
        assert snapshot(stack, table) == before
    else:
        with acting(stack, "app", world.a) as conn:
            conn.execute(statement)
        assert changed_labels(world, table, before, snapshot(stack, table)) == table.deleted_by_a


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_inserting_a_row_owned_by_someone_else_is_refused(stack: Stack, world: World, table: Table) -> None:
    before = snapshot(stack, table)
    query, params = INSERTS[table.name](world, world.b)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
        conn.execute(query, params)
    assert snapshot(stack, table) == before


@pytest.mark.parametrize("table", [t for t in TABLES if t.inserts], ids=[t.name for t in TABLES if t.inserts])
def test_inserting_an_own_row_is_allowed(stack: Stack, world: World, table: Table) -> None:
    query, params = INSERTS[table.name](world, world.a)
    with acting(stack, "app", world.a) as conn:
        assert conn.execute(query, params).rowcount == 1


def test_own_list_cannot_be_shared_with_oneself(stack: Stack, world: World) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
        conn.execute(
            "INSERT INTO vocabulary_list_shares (list_id, user_id) VALUES (%s, %s)",
            [world.lists["A"], world.a],
        )


def test_nobody_can_create_system_lists_or_items_in_them(stack: Stack, world: World) -> None:
    for user in (world.a, None):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", user) as conn:
            conn.execute(
                "INSERT INTO vocabulary_lists (owner_id, name, is_public) VALUES (NULL, 'Oficial', true)"
            )
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
        conn.execute(
            "INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation)"
            " VALUES (%s, 'intruso', 'intruder')",
            [world.lists["system"]],
        )


def test_guests_may_only_record_anonymous_analytics(stack: Stack, world: World) -> None:
    with acting(stack, "app", None) as conn:
        conn.execute("INSERT INTO analytics_events (event_name, occurred_at) VALUES ('page_view', now())")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", None) as conn:
        conn.execute(
            "INSERT INTO analytics_events (event_name, user_id, occurred_at) VALUES ('page_view', %s, now())",
            [world.a],
        )


def test_images_are_shared_and_only_usage_columns_are_writable(stack: Stack, world: World) -> None:
    with acting(stack, "app", None) as conn:
        assert conn.execute("SELECT count(*) FROM images").fetchone() == (1,)
        assert conn.execute("UPDATE images SET usage_count = usage_count + 1").rowcount == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
        conn.execute("UPDATE images SET url = 'https://evil.test/x.jpg'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
        conn.execute("DELETE FROM images")


def test_public_profiles_expose_only_id_and_username_behind_a_security_barrier(
    stack: Stack, world: World
) -> None:
    with acting(stack, "app", world.a) as conn:
        cur = conn.execute("SELECT * FROM user_public_profiles ORDER BY username")
        columns = [c.name for c in cur.description or []]
        rows = cur.fetchall()
    assert columns == ["id", "username"]
    assert [r[1] for r in rows] == ["user_a", "user_b", "user_c"]
    with psycopg.connect(stack.admin_dsn()) as conn:
        options = conn.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'user_public_profiles'"
        ).fetchone()
    assert options == (["security_barrier=true"],)


def test_the_app_role_reads_users_without_password_hashes(stack: Stack, world: World) -> None:
    with acting(stack, "app", world.a) as conn:
        row = conn.execute("SELECT id, email, username, tier, time_zone FROM users").fetchone()
    assert row is not None and row[:3] == (world.a, "a@example.com", "user_a")
    for query in ("SELECT password_hash FROM users", "SELECT * FROM users", "SELECT u FROM users u"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.a) as conn:
            conn.execute(query)
    with acting(stack, "auth", None) as conn:  # sign-in needs them
        assert conn.execute("SELECT count(password_hash) FROM users").fetchone() == (3,)


# --- shared images: fill what is empty, overwrite only as the provider or an admin (correction 21) --------


def test_a_user_may_fill_empty_image_metadata_but_not_overwrite_it(stack: Stack, world: World) -> None:
    with acting(stack, "app", world.a) as conn:
        conn.execute("UPDATE images SET description = 'Una casa', width = 640 WHERE id = %s", [world.image])
        conn.execute(
            "UPDATE images SET description = description, usage_count = usage_count + 1"
        )  # unchanged
    for change in (
        "description = 'Otra cosa'",
        "description = NULL",
        "width = 1",
        "color = '#000000', width = 1",
    ):
        statement = sql.SQL("UPDATE images SET {} WHERE id = %s").format(sql.SQL(change))
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "app", world.b) as conn:
            conn.execute(statement, [world.image])
    with psycopg.connect(stack.admin_dsn()) as conn:
        row = conn.execute("SELECT description, width, color, usage_count FROM images").fetchone()
    assert row == ("Una casa", 640, None, 1)


@pytest.mark.parametrize("who", ["provider", "admin"])
def test_provider_data_and_admins_may_overwrite_image_metadata(stack: Stack, world: World, who: str) -> None:
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute("UPDATE images SET description = 'Old', photographer_name = 'Someone'")
    role = "admin" if who == "admin" else "app"
    with acting(stack, role, world.a) as conn:
        if who == "provider":  # trusted server code, writing what it fetched from Unsplash itself
            conn.execute("SELECT set_config('app.image_source', 'provider', true)")
        conn.execute("UPDATE images SET description = 'New', photographer_name = NULL")
    with psycopg.connect(stack.admin_dsn()) as conn:
        assert conn.execute("SELECT description, photographer_name FROM images").fetchone() == ("New", None)


def test_the_provider_setting_is_transaction_local(stack: Stack, world: World) -> None:
    with psycopg.connect(stack.role_dsn("app")) as conn:
        with conn.transaction():
            conn.execute("SELECT set_config('app.image_source', 'provider', true)")
            conn.execute("UPDATE images SET description = 'From Unsplash'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("UPDATE images SET description = 'From a user'")  # same connection, next transaction


# --- the other roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("table", [t.name for t in TABLES if t.name not in AUTH_TABLES] + ["images"])
def test_auth_role_cannot_read_learning_tables(stack: Stack, world: World, table: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, "auth", world.a) as conn:
        conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))


def test_auth_role_sees_every_user(stack: Stack, world: World) -> None:
    with acting(stack, "auth", None) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (3,)


def test_deleting_an_account_with_lists_recounts_through_the_cascade(stack: Stack, world: World) -> None:
    """vocabulary_lists_recount is no longer executable by PUBLIC: the auth role's delete still cascades."""
    with acting(stack, "auth", None) as conn:
        conn.execute("DELETE FROM users WHERE id = %s", [world.a])
    with psycopg.connect(stack.admin_dsn()) as conn:
        assert conn.execute(
            "SELECT count(*) FROM vocabulary_lists WHERE owner_id = %s", [world.a]
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT total_words FROM vocabulary_lists WHERE id = %s", [world.lists["B"]]
        ).fetchone() == (1,)


@pytest.mark.parametrize("table", TABLE_IDS)
def test_admin_role_sees_every_row(stack: Stack, world: World, table: str) -> None:
    with acting(stack, "admin", None) as conn:
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    assert count == (len(world.labels[table]),)


@pytest.mark.parametrize("role", ["app", "auth", "admin"])
def test_schema_migrations_is_owner_only(stack: Stack, role: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, role, None) as conn:
        conn.execute("SELECT * FROM schema_migrations")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE users ADD COLUMN nickname text",
        "ALTER TABLE vocabulary_items DISABLE ROW LEVEL SECURITY",
        "DROP POLICY app_own ON learning_progress",
        "DROP TABLE saved_descriptions",
        "TRUNCATE review_logs",
        "SET ROLE describeit_owner",
        "CREATE TABLE sneaky (id integer)",
    ],
)
@pytest.mark.parametrize("role", ["app", "admin"])
def test_login_roles_cannot_change_the_schema(stack: Stack, role: str, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, role, None) as conn:
        conn.execute(statement)


def test_every_table_is_owned_by_the_owner_role_with_rls_enabled(stack: Stack) -> None:
    with psycopg.connect(stack.admin_dsn()) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner), c.relrowsecurity FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
    assert rows
    assert {(owner, rls) for _, owner, rls in rows} == {("describeit_owner", True)}


def test_every_user_owned_table_is_covered_here(stack: Stack) -> None:
    """A new table with a user_id/owner_id column must be added to TABLES (and get policies)."""
    with psycopg.connect(stack.admin_dsn()) as conn:
        owned = {
            row[0]
            for row in conn.execute(
                "SELECT c.table_name FROM information_schema.columns c"
                " JOIN information_schema.tables t USING (table_schema, table_name)"
                " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                " AND c.column_name IN ('user_id', 'owner_id', 'list_id', 'vocabulary_list_id')"
            ).fetchall()
        }
    assert owned - AUTH_TABLES == set(TABLE_IDS) - {"users"}


# --- functions, TEMP, and every table's RLS (corrections 18 and 22) --------------------------------------

# Who may call each SECURITY DEFINER function (a trigger function needs nobody: triggers fire regardless).
DEFINER_CALLERS = {
    "users_create_settings": set(),
    "session_is_live": {"describeit_app", "describeit_auth", "describeit_admin"},
    "shared_list_ids": {"describeit_app"},
    "search_vocabulary": {"describeit_app"},
    "search_descriptions": {"describeit_app"},  # 0005
    # triggers (0004): word counts by delta, archives for other learners
    "vocabulary_items_count_insert": set(),
    "vocabulary_items_count_delete": set(),
    "vocabulary_items_count_move": set(),
    "vocabulary_lists_before_delete": set(),
    "vocabulary_items_before_leave": set(),
    "vocabulary_archive_list": set(),
    "vocabulary_archive_items": set(),
}
LOGIN_ROLES = ("describeit_app", "describeit_auth", "describeit_admin")


def test_security_definer_functions_pin_search_path_and_grant_execute_explicitly(stack: Stack) -> None:
    with psycopg.connect(stack.admin_dsn()) as conn:
        rows = conn.execute(
            "SELECT p.oid, p.proname, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE')"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.prosecdef"
        ).fetchall()
        callers = {
            name: {
                r
                for r in LOGIN_ROLES
                if conn.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [r, oid]).fetchone()
                == (True,)
            }
            for oid, name, _, _ in rows
        }
    assert {name for _, name, _, _ in rows} == set(DEFINER_CALLERS)  # a new one belongs in the table above
    for _, name, config, public in rows:
        assert "search_path=pg_catalog, public, pg_temp" in (config or []), name
        assert public is False, f"{name} is executable by PUBLIC"
    assert callers == DEFINER_CALLERS


@pytest.mark.parametrize("role", ["app", "auth", "admin"])
def test_login_roles_cannot_create_temporary_objects(stack: Stack, role: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting(stack, role, None) as conn:
        conn.execute("CREATE TEMP TABLE shadow (id integer)")
    with psycopg.connect(stack.admin_dsn()) as conn:
        allowed = conn.execute(
            "SELECT has_database_privilege(%s, current_database(), 'TEMP')", [f"describeit_{role}"]
        ).fetchone()
    assert allowed == (False,)


def rls_problems(conn: psycopg.Connection[Any], tables_of_0001: set[str]) -> list[str]:
    """Every table in public needs RLS enabled and the admin_all policy for describeit_admin; a table
    added after 0001 also needs RLS forced (so even its owner's functions go through the policies)."""
    rows = conn.execute(
        """SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                  EXISTS (SELECT FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                             AND p.policyname = 'admin_all' AND p.roles = '{describeit_admin}'
                             AND p.cmd = 'ALL' AND p.qual = 'true' AND p.with_check = 'true')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"""
    ).fetchall()
    problems = []
    for name, enabled, forced, admin_policy in rows:
        if not enabled:
            problems.append(f"{name}: row level security is not enabled")
        if not admin_policy:
            problems.append(f"{name}: no admin_all policy for describeit_admin")
        if name not in tables_of_0001 and not forced:
            problems.append(f"{name}: added after 0001, row level security is not forced")
    return problems


@pytest.fixture(scope="module")
def tables_of_0001(stack: Stack) -> Iterator[set[str]]:
    """The tables that exist after 0001 alone (built in a scratch database)."""
    import shutil
    import tempfile
    from pathlib import Path

    from describe_it.db import migrate

    name = f"describeit_scratch_{uuid4().hex[:12]}"
    with psycopg.connect(stack.server.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        dsn = stack.server.admin_dsn_for(name)
        migrate.bootstrap_roles(dsn)
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(migrate.MIGRATIONS_DIR / "0001_initial.sql", Path(folder))
            migrate.migrate(dsn, Path(folder))
        with psycopg.connect(dsn) as conn:
            yield {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            }
    finally:
        with psycopg.connect(stack.server.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_every_table_has_rls_and_the_admin_policy_and_later_ones_force_it(
    stack: Stack, tables_of_0001: set[str]
) -> None:
    assert "users" in tables_of_0001 and "schema_migrations" in tables_of_0001
    with psycopg.connect(stack.admin_dsn()) as conn:
        assert rls_problems(conn, tables_of_0001) == []


def test_the_rls_check_catches_a_table_a_later_migration_got_wrong(
    stack: Stack, tables_of_0001: set[str]
) -> None:
    """The check itself can fail: a table that is only enabled, one with nothing, one done right."""
    with psycopg.connect(stack.admin_dsn()) as conn:  # one transaction, rolled back: nothing stays
        conn.execute("SET LOCAL ROLE describeit_owner")
        conn.execute(
            """CREATE TABLE later_enabled (id integer); ALTER TABLE later_enabled ENABLE ROW LEVEL SECURITY;
               CREATE POLICY admin_all ON later_enabled TO describeit_admin USING (true) WITH CHECK (true);
               CREATE TABLE later_bare (id integer);
               CREATE TABLE later_right (id integer); ALTER TABLE later_right ENABLE ROW LEVEL SECURITY;
               ALTER TABLE later_right FORCE ROW LEVEL SECURITY;
               CREATE POLICY admin_all ON later_right TO describeit_admin USING (true) WITH CHECK (true);"""
        )
        problems = rls_problems(conn, tables_of_0001)
        conn.rollback()
    assert problems == [
        "later_bare: row level security is not enabled",
        "later_bare: no admin_all policy for describeit_admin",
        "later_bare: added after 0001, row level security is not forced",
        "later_enabled: added after 0001, row level security is not forced",
    ]

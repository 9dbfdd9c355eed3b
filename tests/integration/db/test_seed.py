"""Demo data: idempotent, public lists visible to guests through the app role, a working demo account, the
demo image catalogue with its bytes in the bucket."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest

from describe_it.auth.passwords import verify_password
from describe_it.db import seed
from describe_it.images_ids import image_id_for_hash
from infra.local.stack import Stack


def _snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as conn:
        return {
            table: conn.execute(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY 1").fetchall()
            for table in ("users", "images", "vocabulary_lists", "vocabulary_items")
        }


def _as_app(stack: Stack, user_id: UUID | None, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.role_dsn("app")) as conn:
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id) if user_id else ""])
        return conn.execute(query).fetchall()


def test_seeding_twice_changes_nothing(db: Stack) -> None:
    first = seed.seed(db.admin_dsn())
    rows = _snapshot(db.admin_dsn())
    second = seed.seed(db.admin_dsn())

    assert (
        first
        == second
        == {
            "images": 12,
            "system_lists": 4,
            "system_items": 60,
            "demo_users": 1,
            "demo_items": 5,
        }
    )
    assert _snapshot(db.admin_dsn()) == rows


def test_guests_see_the_public_lists_but_not_the_demo_users_list(db: Stack) -> None:
    seed.seed(db.admin_dsn())

    lists = _as_app(db, None, "SELECT name, total_words, owner_id FROM vocabulary_lists ORDER BY name")
    assert lists == [
        ("La casa", 15, None),
        ("La comida", 15, None),
        ("La naturaleza", 15, None),
        ("Saludos y cortesía", 15, None),
    ]
    items = _as_app(db, None, "SELECT spanish_text, english_translation FROM vocabulary_items")
    assert len(items) == 60
    assert ("gracias", "thank you") in items


def test_the_demo_account_can_sign_in_and_sees_its_own_list(db: Stack) -> None:
    seed.seed(db.admin_dsn())
    with psycopg.connect(db.admin_dsn()) as conn:
        row = conn.execute(
            "SELECT id, password_hash, tier, email_verified_at IS NOT NULL FROM users WHERE email = %s",
            [seed.DEMO_EMAIL],
        ).fetchone()
    assert row is not None
    user_id, password_hash, tier, verified = row
    assert verify_password(password_hash, "demo-password-2026")
    assert (tier, verified) == ("pro", True)

    own = _as_app(db, user_id, "SELECT name FROM vocabulary_lists WHERE owner_id IS NOT NULL")
    assert own == [("Mis palabras favoritas",)]
    assert len(_as_app(db, user_id, "SELECT 1 FROM vocabulary_lists")) == 5


def test_without_the_demo_user_only_shared_content_is_seeded(db: Stack) -> None:
    counts = seed.seed(db.admin_dsn(), demo_user=False)
    assert (counts["demo_users"], counts["demo_items"]) == (0, 0)
    with psycopg.connect(db.admin_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_the_demo_catalogue_is_seeded_with_its_bytes_in_the_bucket(db: Stack) -> None:
    from describe_it.images.catalogue import kept_key
    from describe_it.runtime.blobs import BlobStore

    seed.seed(db.admin_dsn())
    with psycopg.connect(db.admin_dsn()) as conn:
        rows = conn.execute(
            "SELECT id, source_hash, url, alt_description, stored_sha256, stored_width FROM images"
        ).fetchall()
    assert len(rows) == 12
    for image_id, source_hash, url, alt, stored_sha256, stored_width in rows:
        assert bytes(source_hash) == hashlib.sha256(url.encode()).digest()
        assert image_id == image_id_for_hash(bytes(source_hash))
        assert url.startswith("https://demo-images.describe-it.invalid/")
        assert alt and stored_width == 800
        kept = BlobStore().get(kept_key(bytes(stored_sha256).hex()))
        assert hashlib.sha256(kept).digest() == bytes(stored_sha256)  # the row names exactly these bytes


def test_a_seeded_demo_image_is_described_without_decoding_it_again(db: Stack) -> None:
    from describe_it.images.catalogue import ImageCatalogue
    from describe_it.images.demo import display_url, load_demo_images
    from describe_it.runtime.blobs import BlobStore
    from describe_it.settings import get_settings

    seed.seed(db.admin_dsn())
    catalogue = ImageCatalogue(get_settings(), fetcher=_no_fetch, store=BlobStore)
    cat = next(image for image in load_demo_images() if image.id == "demo-black-cat")
    resolved = catalogue.resolve_image(image_url=display_url(cat, get_settings().api_base_url))
    assert resolved.fetched is False
    assert resolved.s3_key.startswith("images/")


def _no_fetch() -> Any:
    raise AssertionError("demo images are never fetched")


def test_without_demo_images_no_image_is_seeded(db: Stack) -> None:
    counts = seed.seed(db.admin_dsn(), demo_images=False)
    assert counts["images"] == 0
    with psycopg.connect(db.admin_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM images").fetchone() == (0,)


def test_image_ids_never_change() -> None:
    # Stored ids and clients' imageIds derive from the namespace: a change here breaks every one of them.
    digest = hashlib.sha256(
        b"https://images.unsplash.com/photo-1506744038136-46273834b3fb?w=1080&q=80"
    ).digest()
    assert image_id_for_hash(digest) == UUID("67258d36-7a70-50da-b724-4dc56a0f64aa")
    with pytest.raises(ValueError, match="32-byte"):
        image_id_for_hash(b"short")


def test_seed_cli_prints_counts(
    db: Stack, settings_env: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    settings_env(DB_MIGRATE_URL=db.admin_dsn(), STAGE="local")
    assert seed.main([]) == 0
    out = capsys.readouterr().out
    assert "system_lists   4" in out
    assert seed.DEMO_EMAIL in out

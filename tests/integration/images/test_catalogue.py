"""The image catalogue on the real stack: resolve_image (fetch → normalise → store → record) against a real
HTTPS host, bytes kept by content hash in the local S3, the metadata rules of correction 21 in PostgreSQL."""

from __future__ import annotations

import base64
import io
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from PIL import Image

from describe_it.errors import DependencyDown, UpstreamTimeout, ValidationFailed
from describe_it.images.catalogue import ImageCatalogue, kept_key
from describe_it.images.fetcher import ImageFetcher
from describe_it.images.models import ImageMeta
from describe_it.images.unsplash import Photo
from describe_it.images_ids import image_id_for_hash, source_hash_for_url
from describe_it.runtime.blobs import BlobStore
from infra.local.stack import Stack
from tests.integration.images.https_server import ImageServer, Route
from tests.support.fake_unsplash import photo
from tests.support.images import noise, solid

pytestmark = pytest.mark.usefixtures("clean")
PHOTO = Route(headers={"Content-Type": "image/jpeg"}, body=solid("image/jpeg", (2000, 1500), "teal"))


@pytest.fixture
def catalogue(make_fetcher: Callable[..., ImageFetcher]) -> ImageCatalogue:
    from describe_it.settings import get_settings

    fetcher = make_fetcher()
    return ImageCatalogue(get_settings(), fetcher=lambda: fetcher, store=BlobStore)


def row(stack: Stack, image_id: uuid.UUID) -> dict[str, Any]:
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.row_factory = psycopg.rows.dict_row
        found = conn.execute("SELECT * FROM images WHERE id = %s", [image_id]).fetchone()
    assert found is not None
    return found


def stored(key: str) -> bytes:
    return BlobStore().get(key)


def test_an_image_described_twice_is_fetched_once(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/photo.jpg?sig=1"] = PHOTO
    url = host.url("/photo.jpg?sig=1")

    first = catalogue.resolve_image(image_url=url, user_id=uuid.uuid4())
    second = catalogue.resolve_image(
        image_url=url.replace("images.test", "IMAGES.test"), user_id=uuid.uuid4()
    )

    assert len(host.served) == 1  # the second learner's description reused the kept bytes
    assert (first.fetched, second.fetched) == (True, False)
    assert first.s3_key == second.s3_key == kept_key(first.sha256)
    assert (first.width, first.height) == (second.width, second.height) == (1568, 1176)
    assert first.image_id == second.image_id == image_id_for_hash(source_hash_for_url(url))
    assert first.url == second.url == url
    with Image.open(io.BytesIO(stored(first.s3_key))) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1568, 1176))
    saved = row(clean, first.image_id)
    assert (saved["source_type"], saved["url"], saved["usage_count"]) == ("url", url, 2)
    assert bytes(saved["stored_sha256"]).hex() == first.sha256
    assert (saved["width"], saved["height"]) == (2000, 1500)  # measured on the image itself
    assert (saved["stored_width"], saved["stored_height"]) == (1568, 1176)


def test_a_kept_image_whose_object_is_gone_is_fetched_again(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    from describe_it.aws import client
    from describe_it.settings import get_settings

    host.routes["/gone.jpg"] = PHOTO
    first = catalogue.resolve_image(image_url=host.url("/gone.jpg"))
    client("s3").delete_object(Bucket=get_settings().export_bucket, Key=first.s3_key)

    again = catalogue.resolve_image(image_url=host.url("/gone.jpg"))
    assert again.fetched is True
    assert len(host.served) == 2
    assert stored(again.s3_key)[:3] == b"\xff\xd8\xff"


def test_a_data_uri_is_decoded_here_and_kept_only_a_day(catalogue: ImageCatalogue, clean: Stack) -> None:
    png = solid("image/png", (300, 200), (255, 0, 0, 128))
    uri = "data:image/png;base64," + base64.b64encode(png).decode()

    first = catalogue.resolve_image(data_uri=uri)
    second = catalogue.resolve_image(data_uri=uri)

    assert first.s3_key.startswith("tmp/images/")  # the 1-day lifecycle prefix: uploads are not kept
    assert (first.url, first.media_type, first.width, first.height) == (None, "image/jpeg", 300, 200)
    assert second.fetched is True  # decoded again: nothing of an upload is recorded
    saved = row(clean, first.image_id)
    assert (saved["source_type"], saved["url"], saved["stored_sha256"]) == ("upload", None, None)
    assert saved["usage_count"] == 2
    assert stored(first.s3_key)[:3] == b"\xff\xd8\xff"


def test_identify_names_an_image_without_fetching_it(catalogue: ImageCatalogue, host: ImageServer) -> None:
    url = host.url("/a.jpg?x=1#fragment")
    identity = catalogue.identify(image_url=url)
    normalised = host.url("/a.jpg?x=1")
    assert identity.url == normalised
    assert identity.image_id == image_id_for_hash(source_hash_for_url(normalised))
    assert host.served == []
    with pytest.raises(ValidationFailed, match="Only HTTPS URLs are allowed"):
        catalogue.identify(image_url="http://images.test/a.jpg")
    jpeg = solid("image/jpeg")
    upload = catalogue.identify(data_uri="data:image/jpeg;base64," + base64.b64encode(jpeg).decode())
    assert upload.source_type == "upload"
    assert upload.url is None


def test_acquisition_has_a_deadline(catalogue: ImageCatalogue, host: ImageServer) -> None:
    host.routes["/slow.jpg"] = Route(stall_before_headers=True)
    with pytest.raises(UpstreamTimeout):
        catalogue.resolve_image(image_url=host.url("/slow.jpg"), timeout_s=0.3)


# --- metadata: fill what is empty, overwrite only as the provider (correction 21) -----------------------------


def test_a_clients_metadata_fills_only_what_is_empty(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/m.jpg"] = PHOTO
    first = ImageMeta(unsplash_id="abcDEF123_-", alt_description="A teal square", color="#008080")
    resolved = catalogue.resolve_image(image_url=host.url("/m.jpg"), image_meta=first)
    later = ImageMeta(alt_description="Something else", description="A flat colour", photographer_name="Ana")
    catalogue.resolve_image(image_url=host.url("/m.jpg"), image_meta=later)

    saved = row(clean, resolved.image_id)
    assert saved["unsplash_id"] == "abcDEF123_-"
    assert saved["alt_description"] == "A teal square"  # kept: it was set
    assert (saved["description"], saved["photographer_name"]) == ("A flat colour", "Ana")  # filled: empty
    assert saved["color"] == "#008080"


def test_an_unsplash_id_another_row_holds_is_not_taken(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/one.jpg"] = host.routes["/two.jpg"] = PHOTO
    one = catalogue.resolve_image(image_url=host.url("/one.jpg"), image_meta=ImageMeta(unsplash_id="same"))
    two = catalogue.resolve_image(
        image_url=host.url("/two.jpg"), image_meta=ImageMeta(unsplash_id="same", description="two")
    )
    assert row(clean, one.image_id)["unsplash_id"] == "same"
    assert (row(clean, two.image_id)["unsplash_id"], row(clean, two.image_id)["description"]) == (None, "two")


def test_provider_data_wins_over_what_a_client_sent(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/p.jpg"] = PHOTO
    url = host.url("/p.jpg")
    client_said = ImageMeta(unsplash_id="zz", alt_description="a client's guess", width=10)
    resolved = catalogue.resolve_image(image_url=url, image_meta=client_said)

    unsplash = photo("teal", 0) | {"id": "zz"}
    unsplash["urls"] = dict.fromkeys(("full", "regular", "small"), url)
    assert catalogue.record_search_results([Photo.model_validate(unsplash)]) == 1

    saved = row(clean, resolved.image_id)
    assert (saved["alt_description"], saved["width"]) == ("a picture of teal number 0", 4000)
    assert saved["photographer_username"] == "photographer0"
    catalogue.resolve_image(image_url=url, image_meta=ImageMeta(alt_description="again a guess"))
    assert row(clean, resolved.image_id)["alt_description"] == "a picture of teal number 0"


def test_the_app_role_cannot_swap_the_kept_bytes(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/k.jpg"] = PHOTO
    resolved = catalogue.resolve_image(image_url=host.url("/k.jpg"))
    with psycopg.connect(clean.role_dsn("app")) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE images SET stored_sha256 = %s WHERE id = %s", [b"\x00" * 32, resolved.image_id]
            )
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE images SET stored_width = 1 WHERE id = %s", [resolved.image_id])
        conn.rollback()
        # An admin (and the provider mark) may: the guard is about requests, not about operators.
        conn.execute("SELECT set_config('app.image_source', 'provider', true)")
        assert (
            conn.execute("UPDATE images SET stored_width = 1000 WHERE id = %s", [resolved.image_id]).rowcount
            == 1
        )


# --- a database outage ------------------------------------------------------------------------------------------

CLOSED = "host=127.0.0.1 port=9 dbname=x user=x password=x connect_timeout=1"


@pytest.fixture
def database_down(settings_env: Callable[..., None]) -> Iterator[None]:
    from describe_it.db.pool import close_pools

    close_pools()
    settings_env(DB_APP_URL=CLOSED, DB_CONNECT_TIMEOUT_S="1")
    yield
    close_pools()


@pytest.mark.usefixtures("database_down")
def test_a_guest_description_survives_a_database_outage(
    make_fetcher: Callable[..., ImageFetcher], host: ImageServer
) -> None:
    from describe_it.settings import get_settings

    fetcher = make_fetcher()
    catalogue = ImageCatalogue(get_settings(), fetcher=lambda: fetcher, store=BlobStore)
    host.routes["/g.jpg"] = PHOTO

    resolved = catalogue.resolve_image(image_url=host.url("/g.jpg"), required=False)
    assert resolved.fetched is True
    assert stored(resolved.s3_key)[:3] == b"\xff\xd8\xff"
    with pytest.raises(DependencyDown):  # required (save, sessionId): the outage is the answer
        catalogue.resolve_image(image_url=host.url("/g.jpg"))


# --- the demo catalogue ------------------------------------------------------------------------------------------


def test_demo_images_resolve_to_their_packaged_bytes_without_any_fetch(clean: Stack) -> None:
    from describe_it.images.demo import display_url, identity_url, load_demo_images
    from describe_it.settings import get_settings

    def no_fetch() -> ImageFetcher:
        raise AssertionError("a demo image must never be fetched")

    beach = load_demo_images()[0]
    catalogue = ImageCatalogue(get_settings(), fetcher=no_fetch, store=BlobStore)
    shown = display_url(beach, get_settings().api_base_url)
    first = catalogue.resolve_image(image_url=shown)
    second = catalogue.resolve_image(image_url=identity_url(beach))
    assert (first.fetched, second.fetched) == (True, False)
    assert first.image_id == second.image_id
    assert first.url == identity_url(beach)
    assert (first.width, first.height) == (beach.width, beach.height)

    # Outside the local demo mode the same URL is an ordinary one: http is refused.
    aws = ImageCatalogue(
        get_settings().model_copy(update={"stage": "aws"}), fetcher=lambda: ImageFetcher(), store=BlobStore
    )
    with pytest.raises(ValidationFailed):
        aws.resolve_image(image_url=shown)


# --- concurrency -------------------------------------------------------------------------------------------------


def test_concurrent_searches_catalogue_each_photo_exactly_once(clean: Stack) -> None:
    """Eight searches at once over overlapping pages, each page in another order: no deadlock, no error,
    one row per photo (the unique indexes decide, a deadlock is retried)."""
    from describe_it.settings import get_settings

    catalogue = ImageCatalogue(get_settings(), fetcher=ImageFetcher, store=BlobStore)  # names only
    photos = [Photo.model_validate(photo("concurrent", i)) for i in range(24)]
    pages = [photos[i : i + 12] if i % 2 else list(reversed(photos[i : i + 12])) for i in range(0, 13, 2)]
    pages.append(photos[::-1])
    barrier = threading.Barrier(len(pages))

    def run(page: list[Photo]) -> int:
        barrier.wait()
        return catalogue.record_search_results(page)

    with ThreadPoolExecutor(len(pages)) as pool:
        written = list(pool.map(run, pages))
    assert sum(written) >= len(photos)  # every photo written at least once; unchanged rows are skipped
    with psycopg.connect(clean.admin_dsn()) as conn:
        rows = conn.execute("SELECT unsplash_id, count(*) FROM images GROUP BY unsplash_id").fetchall()
    assert sorted(r[0] for r in rows) == sorted(p.id for p in photos)
    assert all(r[1] == 1 for r in rows)


def test_concurrent_learners_describing_one_new_image(
    catalogue: ImageCatalogue, host: ImageServer, clean: Stack
) -> None:
    host.routes["/popular.jpg"] = Route(headers={"Content-Type": "image/jpeg"}, body=_noise_jpeg())
    barrier = threading.Barrier(6)

    def run(_: int) -> Any:
        barrier.wait()
        return catalogue.resolve_image(image_url=host.url("/popular.jpg"), user_id=uuid.uuid4())

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(run, range(6)))
    assert len({r.s3_key for r in results}) == 1
    saved = row(clean, results[0].image_id)
    assert saved["usage_count"] == 6
    assert bytes(saved["stored_sha256"]).hex() == results[0].sha256


def _noise_jpeg() -> bytes:
    out = io.BytesIO()
    noise((400, 300)).save(out, "JPEG", quality=90)
    return out.getvalue()

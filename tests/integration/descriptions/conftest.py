"""Fixtures of the saved-description and search tests: learners (shared with the vocabulary tests),
an image of the catalogue and a helper that saves a description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.vocabulary.conftest import Learner, admin_sql, ana, ben, make_learner

__all__ = ["Learner", "admin_sql", "ana", "ben", "cara", "image_id", "make_learner", "saved"]

SAVED = "/api/descriptions/saved"
EN = "A red house stands next to a tall green tree under a clear sky."
ES = "Una casa roja está junto a un árbol verde y alto bajo un cielo despejado."


@pytest.fixture
def cara(make_learner: Callable[..., Learner]) -> Learner:
    return make_learner("cara")


@pytest.fixture
def image_id(admin_sql: Callable[..., Any]) -> str:
    """An images row, as the catalogue (or a generation) would have stored it."""
    from describe_it.images_ids import image_id_for_hash, source_hash_for_url

    url = "https://images.example.com/photos/red-house.jpg"
    source_hash = source_hash_for_url(url)
    image = str(image_id_for_hash(source_hash))
    admin_sql(
        """INSERT INTO images (id, source_hash, source_type, url, alt_description, photographer_name, width,
                               height, color)
           VALUES (%s, %s, 'url', %s, 'a red house', 'Ana Photo', 1080, 720, '#aa3322')""",
        [image, source_hash, url],
    )
    return image


def body(image: str, **fields: Any) -> dict[str, Any]:
    return {
        "imageId": image,
        "style": "narrativo",
        "englishDescription": EN,
        "spanishDescription": ES,
        **fields,
    }


@pytest.fixture
def saved(image_id: str) -> Callable[..., dict[str, Any]]:
    """``saved(learner, **fields)``: POST a description (201) and return it."""

    def save(learner: Learner, **fields: Any) -> dict[str, Any]:
        reply = learner.call("POST", SAVED, body(image_id, **fields))
        assert reply.status == 201, reply
        return reply.data  # type: ignore[no-any-return]

    return save

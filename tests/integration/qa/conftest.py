"""The answer tests use the learners and the catalogue image of the saved-description tests."""

from tests.integration.descriptions.conftest import admin_sql, ana, ben, image_id, make_learner

__all__ = ["admin_sql", "ana", "ben", "image_id", "make_learner"]

"""Fixtures of the progress, streak, analytics and session tests: the vocabulary tests' learners, plus a
fixed clock and helpers that write a hand-built history straight into the tables (as the owner)."""

from __future__ import annotations

from tests.integration.vocabulary.conftest import Learner, admin_sql, ana, ben, make_learner

__all__ = ["Learner", "admin_sql", "ana", "ben", "make_learner"]

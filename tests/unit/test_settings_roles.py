"""``Settings.configured_db_role``: the one role a function has in AWS, ``app`` first locally."""

from __future__ import annotations

import os

import pytest

from describe_it.settings import Settings


@pytest.fixture(autouse=True)
def _no_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DB_"):
            monkeypatch.delenv(name)


def test_the_only_configured_role_is_picked() -> None:
    assert Settings(db_auth_secret_arn="arn:aws:secretsmanager:auth").configured_db_role() == "auth"
    assert Settings(db_admin_secret_arn="arn:aws:secretsmanager:admin").configured_db_role() == "admin"


def test_locally_app_is_preferred() -> None:
    urls = {f"db_{role}_url": f"postgresql://{role}@localhost/x" for role in ("auth", "admin", "app")}
    assert Settings(**urls).configured_db_role() == "app"


def test_none_when_no_database_is_configured() -> None:
    assert Settings().configured_db_role() is None

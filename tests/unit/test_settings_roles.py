"""Which database login and token keys a function uses: in AWS every function is given all of them
(template Globals) and its DB_ROLE picks; locally any role with a login, ``app`` first."""

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


ARNS = {f"db_{role}_secret_arn": f"arn:aws:secretsmanager:{role}" for role in ("app", "auth", "admin")}
JWT = {
    "jwt_secret_arn": "arn:aws:secretsmanager:signing",
    "jwt_public_keys_secret_arn": "arn:aws:secretsmanager:public",
}


@pytest.mark.parametrize("role", ["app", "auth", "admin"])
def test_in_aws_db_role_picks_the_one_login_of_the_three(role: str) -> None:
    settings = Settings(stage="aws", db_role=role, **ARNS)
    assert settings.configured_db_role() == role
    assert [r for r in ("app", "auth", "admin") if settings.may_use_db_role(r)] == [role]


def test_in_aws_without_a_db_role_no_login_is_used() -> None:
    settings = Settings(stage="aws", **ARNS)
    assert settings.configured_db_role() is None
    assert not any(settings.may_use_db_role(r) for r in ("app", "auth", "admin"))


def test_locally_db_role_narrows_the_stack_logins_too() -> None:
    urls = {f"db_{role}_url": f"postgresql://{role}@localhost/x" for role in ("auth", "admin", "app")}
    assert Settings(db_role="admin", **urls).configured_db_role() == "admin"
    assert not Settings(db_role="admin", **urls).may_use_db_role("app")


def test_only_auth_functions_read_the_signing_secret() -> None:
    auth = Settings(stage="aws", db_role="auth", **JWT)
    assert (auth.token_signing_secret_arn(), auth.token_public_keys_secret_arn()) == (
        JWT["jwt_secret_arn"],
        None,
    )
    for settings in (Settings(stage="aws", db_role="app", **JWT), Settings(stage="aws", **JWT)):
        assert settings.token_signing_secret_arn() is None
        assert settings.token_public_keys_secret_arn() == JWT["jwt_public_keys_secret_arn"]

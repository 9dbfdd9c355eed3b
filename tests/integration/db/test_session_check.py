"""Migration 0003: ``session_is_live`` — the revocation truth every role may ask, and nothing more."""

from __future__ import annotations

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support.api import call, session_for, signin

pytestmark = pytest.mark.usefixtures("clean")


def _sid(access_token: str) -> str:
    import jwt

    return str(jwt.decode(access_token, options={"verify_signature": False})["sid"])


@pytest.mark.parametrize("role", ["app", "auth", "admin"])
def test_every_role_can_ask_whether_a_session_is_live(stack: Stack, role: str) -> None:
    live = _sid(session_for("ana@example.com")["access_token"])
    ended = signin("ana@example.com").data["session"]
    call("POST", "/api/auth/signout", {}, token=ended["access_token"])
    with psycopg.connect(stack.role_dsn(role)) as conn:
        ask = "SELECT session_is_live(%s)"
        assert conn.execute(ask, [live]).fetchone() == (True,)
        assert conn.execute(ask, [_sid(ended["access_token"])]).fetchone() == (False,)
        assert conn.execute(ask, ["00000000-0000-0000-0000-000000000000"]).fetchone() == (False,)


def test_the_app_role_still_cannot_read_the_refresh_tokens(stack: Stack) -> None:
    with psycopg.connect(stack.role_dsn("app")) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT count(*) FROM auth_refresh_tokens")


def test_it_is_hardened_like_every_security_definer_function(stack: Stack) -> None:
    with psycopg.connect(stack.admin_dsn()) as conn:
        definer, config, grantees = conn.execute(
            """SELECT p.prosecdef, p.proconfig,
                      array(SELECT coalesce(r.rolname, 'PUBLIC') FROM aclexplode(p.proacl) a
                              LEFT JOIN pg_roles r ON r.oid = a.grantee
                             WHERE a.privilege_type = 'EXECUTE' ORDER BY 1)
                 FROM pg_proc p WHERE p.proname = 'session_is_live'"""
        ).fetchone()
    assert definer is True
    assert config == ["search_path=pg_catalog, public, pg_temp"]
    assert set(grantees) == {"describeit_owner", "describeit_app", "describeit_auth", "describeit_admin"}

"""The operator CLI: promote, change tier, suspend (sessions end at once), never remove the last admin."""

from __future__ import annotations

import pytest

from describe_it.admin_cli import main
from tests.support.api import call, session_for, signin

pytestmark = pytest.mark.usefixtures("clean")


def test_set_tier_and_role_show_up_at_next_refresh():
    session = session_for("ana@example.com")
    assert main(["set-tier", "ana@example.com", "pro"]) == 0
    assert main(["set-role", "ana@example.com", "admin"]) == 0
    refreshed = call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]})
    assert refreshed.data["user"]["tier"] == "pro" and refreshed.data["user"]["role"] == "admin"
    me = call("GET", "/api/auth/me", token=refreshed.data["session"]["access_token"])
    assert me.json["metadata"]["userTier"] == "pro"


def test_suspend_revokes_sessions_and_blocks_signin():
    session = session_for("ana@example.com")
    assert main(["suspend", "ana@example.com"]) == 0
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 401
    assert signin("ana@example.com").status == 403
    assert main(["activate", "ana@example.com"]) == 0
    assert signin("ana@example.com").status == 200


def test_last_admin_cannot_be_demoted():
    session_for("boss@example.com")
    main(["set-role", "boss@example.com", "admin"])
    with pytest.raises(SystemExit, match="last admin"):
        main(["set-role", "boss@example.com", "user"])


def test_unknown_user():
    with pytest.raises(SystemExit, match="no user"):
        main(["set-tier", "ghost@example.com", "pro"])

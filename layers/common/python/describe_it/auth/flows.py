"""Account flows beyond sign-in (spec §2.1, §4): e-mail verification, password reset, password change,
profile update, account deletion.

Action tokens are 256-bit random, stored as SHA-256, expire, and work once; at most one is live per
user and purpose. Answers never reveal whether an address has an account: resend and forgot always
say "sent", and every kind of bad token gets the same 400.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from describe_it.auth import repository as repo
from describe_it.auth.flow_models import (
    Deleted,
    PasswordUpdated,
    ProfileUpdate,
    ResetPasswordRequest,
    ResetResult,
    SentResult,
    TokenValidity,
    UpdatePasswordRequest,
    VerifiedResult,
)
from describe_it.auth.models import User, check_new_password
from describe_it.auth.passwords import hash_password, verify_password
from describe_it.auth.service import AuthService, get_auth_service, mark_revoked, send_action_link
from describe_it.auth.tokens import hash_token
from describe_it.db.tx import transaction
from describe_it.errors import (
    ApiError,
    Conflict,
    CurrentPasswordIncorrect,
    Detail,
    DuplicateValue,
    ValidationFailed,
)
from describe_it.identity import Client, Principal
from describe_it.limiting import charge
from describe_it.runtime.limits import Rule
from describe_it.settings import get_settings

EMAIL_PER_ADDRESS = Rule("auth-email", 3, 3600)
EMAIL_PER_IP = Rule("auth-email-ip", 20, 3600)
TOKEN_PER_IP = Rule("auth-token", 10, 15 * 60)
SENSITIVE_PER_USER = Rule("auth-sensitive", 5, 15 * 60)


def _bad_token(kind: str) -> ValidationFailed:
    message = f"Invalid or expired {kind} token"
    return ValidationFailed(message, details=[Detail("token", message, "invalid_format")])


def _wrong_current_password() -> CurrentPasswordIncorrect:
    return CurrentPasswordIncorrect("Current password is incorrect")


def _weak(message: str, field: str = "password") -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(field, message, "invalid_format")])


class AccountFlows:
    def __init__(self, auth: AuthService) -> None:
        self._auth = auth
        self._settings = get_settings()

    # --- e-mail verification --------------------------------------------------------------------

    def verify_email(self, token: str, client: Client) -> VerifiedResult:
        charge(client.key, [TOKEN_PER_IP], fail_open=False)
        with transaction("auth") as conn:
            row = repo.find_action_token(conn, hash_token(token), "verify_email")
            user = repo.get_user(conn, row["user_id"], for_update=True) if row else None
            if row is None or user is None or user["email"].lower() != row["email"].lower():
                raise _bad_token("verification")  # unknown, or the address changed since it was sent
            live = _usable(row)
            if live:
                repo.use_action_token(conn, row["id"])
            if user["email_verified_at"] is not None:
                # A link of an address that is verified already (this link used before, or a newer
                # one, or a password reset): the user wants to hear "verified", not an error.
                return VerifiedResult(user=User.from_row(user))
            if not live:
                raise _bad_token("verification")
            user = repo.mark_email_verified(conn, row["user_id"])
        return VerifiedResult(user=User.from_row(user))

    def verify_email_redirect(self, token: str | None, client: Client, *, probe: bool = False) -> str:
        """GET form (the link in the e-mail): always a redirect to the frontend, never an error page.

        A ``probe`` (HEAD: link scanners send one before the user clicks) changes nothing: it gets a
        redirect to the app itself and the token stays unused.
        """
        base = self._settings.app_base_url.rstrip("/")
        if probe:
            return f"{base}/"
        outcome = "verify_failed"
        if token and 16 <= len(token) <= 256:
            try:
                self.verify_email(token, client)
                outcome = "verified"
            except ApiError:
                outcome = "verify_failed"
        return f"{base}/?auth={outcome}"

    def resend_verification(self, email: str, client: Client) -> SentResult:
        self._charge_email(email, client)
        with transaction("auth") as conn:
            user = repo.find_user_by_email(conn, email)
            if user is not None and user["email_verified_at"] is None and user["status"] == "active":
                send_action_link(conn, self._settings, user, "verify_email")
        _kick_outbox()
        return SentResult()

    # --- password reset -------------------------------------------------------------------------

    def forgot_password(self, email: str, client: Client) -> SentResult:
        self._charge_email(email, client)
        with transaction("auth") as conn:
            user = repo.find_user_by_email(conn, email)
            if user is not None and user["status"] == "active":
                send_action_link(conn, self._settings, user, "reset_password")
        _kick_outbox()
        return SentResult()

    def validate_reset_token(self, token: str, client: Client) -> TokenValidity:
        charge(client.key, [TOKEN_PER_IP], fail_open=False)
        with transaction("auth") as conn:
            row = self._live_token(conn, token, "reset_password")
        return TokenValidity(valid=row is not None, expires_at=row["expires_at"] if row else None)

    def reset_password(self, req: ResetPasswordRequest, client: Client) -> ResetResult:
        assert req.token is not None
        assert req.password is not None
        charge(client.key, [TOKEN_PER_IP], fail_open=False)
        with transaction("auth") as conn:
            row = self._live_token(conn, req.token, "reset_password")
            if row is None:
                raise _bad_token("reset")
            user = repo.get_user(conn, row["user_id"], for_update=True)
            if user is None or user["email"].lower() != row["email"].lower():
                raise _bad_token("reset")
        try:
            check_new_password(req.password, user["email"])
        except ValueError as exc:
            raise _weak(str(exc)) from exc
        password_hash = hash_password(req.password)
        with transaction("auth") as conn:
            row = self._live_token(
                conn, req.token, "reset_password"
            )  # re-checked: it may have been used meanwhile
            if row is None:
                raise _bad_token("reset")
            repo.use_action_token(conn, row["id"])
            repo.set_password(conn, row["user_id"], password_hash)
            user = repo.mark_email_verified(conn, row["user_id"])  # the link proved the address is theirs
            families = repo.live_families(conn, row["user_id"])
            repo.revoke_families(conn, families, "password_reset")
            repo.queue_email(conn, user["id"], user["email"], "password_changed", user["ui_language"], {})
            session = None
            if req.auto_login and user["status"] == "active":
                session = self._auth.open_session(conn, user, remember_me=True, client=client)
        mark_revoked(families)
        _kick_outbox()
        return ResetResult(session=session, user=User.from_row(user) if session else None)

    # --- signed-in changes ----------------------------------------------------------------------

    def update_password(
        self, principal: Principal, req: UpdatePasswordRequest, client: Client
    ) -> PasswordUpdated:
        user_id = _user_id(principal)
        charge(f"u:{user_id}", [SENSITIVE_PER_USER], fail_open=False)
        with transaction("auth") as conn:
            user = repo.get_user(conn, user_id)
        if user is None or not verify_password(user["password_hash"], req.current_password):
            raise _wrong_current_password()
        try:
            check_new_password(req.new_password, user["email"])
        except ValueError as exc:
            raise _weak(str(exc), "newPassword") from exc
        password_hash = hash_password(req.new_password)
        with transaction("auth") as conn:
            user = repo.set_password(conn, user_id, password_hash)
            families = repo.live_families(conn, user_id)
            repo.revoke_families(conn, families, "password_changed")
            session = self._auth.open_session(conn, user, remember_me=True, client=client)
            repo.queue_email(conn, user["id"], user["email"], "password_changed", user["ui_language"], {})
        mark_revoked(families)
        _kick_outbox()
        return PasswordUpdated(session=session)

    def update_profile(self, principal: Principal, changes: ProfileUpdate) -> User:
        user_id = _user_id(principal)
        values = changes.changes()
        try:
            with transaction("auth") as conn:
                if "username" in values and repo.username_taken(conn, values["username"], user_id):
                    raise _username_taken()
                return User.from_row(repo.update_profile(conn, user_id, values))
        except DuplicateValue as exc:
            raise _username_taken() from exc

    def delete_account(self, principal: Principal, password: str) -> Deleted:
        """Erase the user in one transaction: the row goes and every owned row cascades with it."""
        user_id = _user_id(principal)
        charge(f"u:{user_id}", [SENSITIVE_PER_USER], fail_open=False)
        with transaction("auth") as conn:
            user = repo.get_user(conn, user_id, for_update=True)
            if user is None or not verify_password(user["password_hash"], password):
                raise CurrentPasswordIncorrect("Password is incorrect")
            families = repo.live_families(conn, user_id)
            repo.delete_user(conn, user_id)
        mark_revoked(families)
        return Deleted()

    # --- helpers --------------------------------------------------------------------------------

    def _charge_email(self, email: str, client: Client) -> None:
        charge(f"email:{self._auth.email_key(email)}", [EMAIL_PER_ADDRESS], fail_open=False)
        charge(client.key, [EMAIL_PER_IP], fail_open=False)

    def _live_token(self, conn: repo.Conn, token: str, purpose: str) -> dict[str, Any] | None:
        row = repo.find_action_token(conn, hash_token(token), purpose)
        return row if row is not None and _usable(row) else None


def _usable(row: dict[str, Any]) -> bool:
    """Not used, not superseded, not expired."""
    from datetime import UTC, datetime

    return row["used_at"] is None and row["revoked_at"] is None and row["expires_at"] > datetime.now(UTC)


def _user_id(principal: Principal) -> UUID:
    assert principal.user_id is not None
    return principal.user_id


def _username_taken() -> Conflict:
    return Conflict(
        "Username is already taken", details=[Detail("username", "Username is already taken", "duplicate")]
    )


def _kick_outbox() -> None:
    from describe_it.email.outbox import kick

    kick()


def get_account_flows() -> AccountFlows:
    return AccountFlows(get_auth_service())

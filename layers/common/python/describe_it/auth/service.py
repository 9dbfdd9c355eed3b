"""Account rules of spec §2.1/§4: sign-up, sign-in with lockout, refresh rotation with reuse detection,
sign-out, the current user.

Every decision that must survive an error (a failure counter, a revoked family) is committed in its
own transaction before the error is raised: raising inside a transaction would roll it back.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from describe_it.auth import repository as repo
from describe_it.auth.lockout import PER_ADDRESS, Attempt, Lockout, Refusal
from describe_it.auth.models import (
    AuthResult,
    Session,
    SigninRequest,
    SignoutRequest,
    SignoutResult,
    SignupPending,
    SignupRequest,
    SignupResult,
    User,
)
from describe_it.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from describe_it.auth.tokens import TokenIssuer, get_token_issuer, hash_token, new_refresh_token
from describe_it.db.tx import transaction
from describe_it.errors import (
    AuthRequired,
    Conflict,
    DependencyDown,
    Detail,
    DuplicateValue,
    Forbidden,
    InvalidCredentials,
    InvalidToken,
    RateLimited,
    ValidationFailed,
)
from describe_it.identity import Client, Principal
from describe_it.limiting import charge
from describe_it.observability import logger
from describe_it.runtime.limits import Rule
from describe_it.settings import Settings, get_settings

REFRESH_TTL = timedelta(days=30)
REFRESH_TTL_SHORT = timedelta(hours=24)  # rememberMe: false
FAMILY_TTL = timedelta(days=90)
REUSE_GRACE = timedelta(seconds=10)  # a parallel refresh of the same token is not an attack
ACTION_TTL_S = {"verify_email": 24 * 3600, "reset_password": 30 * 60}

SIGNIN_PER_IP = Rule("auth-signin-ip", 100, 3600)
SIGNUP_PER_IP = Rule("auth-signup", 5, 3600)
ACCOUNT_EXISTS_MAILS = Rule("auth-account-exists", 3, 24 * 3600)  # per address and UTC day
REFRESH_PER_FAMILY = Rule("auth-refresh", 60, 3600)


class AuthService:
    def __init__(
        self,
        settings: Settings,
        issuer: Callable[[], TokenIssuer] = get_token_issuer,
        clock: Callable[[], float] = time.time,
        lockout: Lockout | None = None,
    ) -> None:
        self._settings = settings
        self._issuer = issuer
        self._clock = clock
        self._lockout = lockout or Lockout(clock=clock)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def email_key(self, email: str) -> str:
        secret = self._settings.ip_hash_secret.get_secret_value().encode()
        return hmac.new(secret, email.lower().encode(), hashlib.sha256).hexdigest()[:32]

    # --- sign-up --------------------------------------------------------------------------------

    def signup(self, req: SignupRequest, client: Client) -> tuple[int, SignupResult | SignupPending]:
        charge(client.key, [SIGNUP_PER_IP], fail_open=False)
        verify = self._settings.auth_require_verified_email
        password_hash = hash_password(req.password)  # before the transaction: it takes ~20 ms
        queued = False
        try:
            with transaction("auth") as conn:
                if req.username and repo.username_taken(conn, req.username):
                    raise Conflict(
                        "Username is already taken",
                        details=[Detail("username", "Username is already taken", "duplicate")],
                    )
                existing = repo.find_user_by_email(conn, req.email)
                if existing is not None:
                    if not verify:
                        raise _duplicate_email()
                    # Same answer as a new address; the owner gets an "account exists" e-mail, at
                    # most 3 a day (correction 6), so the form cannot be used to flood an inbox.
                    if self._may_mail_owner(req.email):
                        repo.queue_email(
                            conn,
                            existing["id"],
                            existing["email"],
                            "account_exists",
                            existing["ui_language"],
                            {},
                        )
                        queued = True
                    return 202, SignupPending()
                row = repo.insert_user(
                    conn,
                    {
                        "email": req.email,
                        "username": req.username,
                        "full_name": req.full_name,
                        "password_hash": password_hash,
                        "time_zone": req.time_zone,
                        "spanish_level": req.spanish_level,
                        "ui_language": req.ui_language,
                        "email_verified_at": None,
                    },
                )
                if verify:
                    send_action_link(conn, self._settings, row, "verify_email")
                    queued = True
                    return 202, SignupPending()
                session = self.open_session(conn, row, remember_me=True, client=client)
                return 201, SignupResult(user=User.from_row(row), session=session)
        except DuplicateValue as exc:  # a concurrent sign-up with the same e-mail or username
            if verify and "email" in (exc.constraint or ""):
                return 202, SignupPending()
            raise _duplicate_email() from exc
        finally:
            if queued:
                from describe_it.email.outbox import kick

                kick()

    def _may_mail_owner(self, email: str) -> bool:
        from describe_it.runtime.rate_limit import get_rate_limiter

        key = f"email:{self.email_key(email)}"
        try:
            decision = get_rate_limiter().hit(key, [ACCOUNT_EXISTS_MAILS], fail_open=False)
        except DependencyDown:
            return False  # cannot count: send nothing, answer the same
        return decision.allowed

    # --- sign-in --------------------------------------------------------------------------------

    def signin(self, req: SigninRequest, client: Client) -> AuthResult:
        charge(client.key, [SIGNIN_PER_IP], fail_open=False)
        # One failure log per address (registered or not) and per (address, IP), checked before the
        # account is even looked up: real and unknown addresses answer alike at every step.
        attempt = self._lockout.begin(self.email_key(req.email), client.key)
        if isinstance(attempt, Refusal):
            raise _refused(attempt)
        failed = False
        try:
            with transaction("auth") as conn:
                row = repo.find_user_by_email(conn, req.email)
            if row is None:
                verify_password(dummy_hash(), req.password)  # the same cost as a wrong password
                failed = True
            else:
                failed = not verify_password(row["password_hash"], req.password)
        finally:
            if not failed:  # a right password (or an error before any answer) is not a failure
                self._lockout.release(attempt)
        if failed or row is None:
            if row is not None and attempt.fills_window:
                self._record_lock(row, attempt)
            raise InvalidCredentials()
        # Only after a correct password: these answers would otherwise reveal that the account exists.
        if row["status"] != "active":
            raise Forbidden("Account suspended")
        if self._settings.auth_require_verified_email and row["email_verified_at"] is None:
            raise Forbidden(
                "Email address not verified",
                details=[Detail("email", "Email address not verified", "email_not_verified")],
            )
        rehash = hash_password(req.password) if needs_rehash(row["password_hash"]) else None
        with transaction("auth") as conn:
            row = repo.record_login(conn, row["id"], rehash)
            session = self.open_session(conn, row, remember_me=req.remember_me, client=client)
        return AuthResult(user=User.from_row(row), session=session)

    def _record_lock(self, user: dict[str, Any], attempt: Attempt) -> None:
        """This failure filled the address's window: note the lock on the account and tell the owner
        (at most once a day, and again after a successful sign-in clears the note)."""
        until = datetime.fromtimestamp(attempt.locked_until, UTC)
        with transaction("auth") as conn:
            notify = repo.record_lock(conn, user["id"], until, attempt.address.live, self._now())
            if notify:
                repo.queue_email(conn, user["id"], user["email"], "account_locked", user["ui_language"], {})

    def resume_signup(self, req: SignupRequest, user_id: UUID, client: Client) -> Session:
        """A new session for the account a replayed sign-up created (correction 10: the first
        session's tokens were never stored).

        The replayed body is the first one (its fingerprint matched), but its password is checked
        against the current hash, like a sign-in: it may have been changed, or the account suspended
        or deleted, since the sign-up.
        """
        with transaction("auth") as conn:
            row = repo.get_user(conn, user_id)
        if (
            row is None
            or row["email"] != req.email
            or not verify_password(row["password_hash"], req.password)
        ):
            raise InvalidCredentials()
        if row["status"] != "active":
            raise Forbidden("Account suspended")
        if self._settings.auth_require_verified_email and row["email_verified_at"] is None:
            raise Forbidden("Email address not verified")  # verification was turned on since
        with transaction("auth") as conn:
            return self.open_session(conn, row, remember_me=True, client=client)

    def open_session(
        self, conn: repo.Conn, user: dict[str, Any], *, remember_me: bool, client: Client
    ) -> Session:
        now = self._now()
        family_id = uuid4()
        lifetime = REFRESH_TTL if remember_me else REFRESH_TTL_SHORT
        return self._issue(conn, user, family_id, None, now, now + lifetime, now + FAMILY_TTL, client)

    def _issue(
        self,
        conn: repo.Conn,
        user: dict[str, Any],
        family_id: UUID,
        parent_id: UUID | None,
        now: datetime,
        expires_at: datetime,
        family_expires_at: datetime,
        client: Client,
    ) -> Session:
        refresh = new_refresh_token()
        repo.insert_refresh_token(
            conn,
            {
                "user_id": user["id"],
                "family_id": family_id,
                "parent_id": parent_id,
                "token_hash": hash_token(refresh),
                "issued_at": now,
                "expires_at": min(expires_at, family_expires_at),
                "family_expires_at": family_expires_at,
                "user_agent": (client.user_agent or "")[:512] or None,
                "created_ip": client.ip,
            },
        )
        access = self._issuer().issue(user["id"], family_id, user["tier"], user["role"], int(now.timestamp()))
        return Session(
            access_token=access.token,
            refresh_token=refresh,
            expires_in=access.expires_at - int(now.timestamp()),
            expires_at=access.expires_at,
            refresh_expires_at=int(min(expires_at, family_expires_at).timestamp()),
        )

    # --- refresh --------------------------------------------------------------------------------

    def refresh(self, refresh_token: str, client: Client) -> AuthResult:
        now = self._now()
        outcome: str
        with transaction("auth") as conn:
            token = repo.find_refresh_token(conn, hash_token(refresh_token))
            if token is None:
                raise InvalidToken("Invalid refresh token")
            charge(f"family:{token['family_id']}", [REFRESH_PER_FAMILY], fail_open=False)
            if token["revoked_at"] is not None:
                raise InvalidToken("Refresh token revoked")
            if token["rotated_at"] is not None:
                if now - token["rotated_at"] <= REUSE_GRACE:
                    raise Conflict(
                        "This refresh token was just rotated; use the newest session",
                        details=[Detail("refreshToken", "Refresh in progress", "refresh_in_progress")],
                    )
                repo.revoke_families(conn, [token["family_id"]], "reuse_detected")
                outcome = "reuse"
            elif token["expires_at"] <= now or token["family_expires_at"] <= now:
                raise InvalidToken("Refresh token expired")
            else:
                user = repo.get_user(conn, token["user_id"])
                if user is None:
                    raise InvalidToken("Invalid refresh token")
                if user["status"] != "active":
                    raise Forbidden("Account suspended")
                repo.mark_rotated(conn, token["id"])
                lifetime = token["expires_at"] - token["issued_at"]  # sliding: 30 days, or 24 h
                session = self._issue(
                    conn,
                    user,
                    token["family_id"],
                    token["id"],
                    now,
                    now + lifetime,
                    token["family_expires_at"],
                    client,
                )
                return AuthResult(user=User.from_row(user), session=session)
        # Reuse of a rotated token: the family is revoked (committed above), then the caller is refused.
        assert outcome == "reuse"
        logger.warning(
            "refresh token reuse detected; family revoked", extra={"family_id": str(token["family_id"])}
        )
        mark_revoked([token["family_id"]])
        raise InvalidToken("Refresh token reuse detected; please sign in again")

    # --- sign-out -------------------------------------------------------------------------------

    def signout(self, principal: Principal, req: SignoutRequest) -> SignoutResult:
        """Revoke the refresh token's family, the access token's, or all of the user's.

        The refresh token alone is enough (correction 7): a client whose access token has expired
        can still sign out, and the token row says whose session it is.
        """
        if principal.user_id is None and not req.refresh_token:
            raise AuthRequired("Sign-out needs an access token or a refresh token")
        with transaction("auth") as conn:
            token = (
                repo.find_refresh_token(conn, hash_token(req.refresh_token)) if req.refresh_token else None
            )
            if req.refresh_token and (token is None or principal.user_id not in (None, token["user_id"])):
                raise ValidationFailed(
                    "Unknown refresh token",
                    details=[Detail("refreshToken", "Unknown refresh token", "not_found")],
                )
            user_id: UUID | None = token["user_id"] if token is not None else principal.user_id
            if req.all_devices and user_id is not None:
                families = repo.live_families(conn, user_id)
            elif token is not None:
                families = [token["family_id"]]
            else:
                families = [principal.session_id] if principal.session_id else []
            revoked = repo.revoke_families(conn, families, "signout") if families else 0
        # Also when the rows were already revoked: a retried sign-out re-writes the markers.
        mark_revoked(families)
        return SignoutResult(revoked_sessions=revoked)

    # --- the current user -----------------------------------------------------------------------

    def me(self, principal: Principal) -> User:
        assert principal.user_id is not None
        with transaction("auth", principal.user_id) as conn:
            row = repo.get_user(conn, principal.user_id)
        if row is None:
            raise InvalidToken("Account no longer exists")
        return User.from_row(row)


def mark_revoked(families: list[UUID]) -> None:
    from describe_it.runtime.revocations import revoke_family

    for family in families:
        revoke_family(family)


def send_action_link(conn: repo.Conn, settings: Settings, user: dict[str, Any], purpose: str) -> None:
    """Issue a single-use token (revoking the previous one) and queue the e-mail that carries it."""
    token = new_refresh_token()
    repo.issue_action_token(
        conn, user["id"], purpose, user["email"], hash_token(token), ACTION_TTL_S[purpose]
    )
    if purpose == "verify_email":  # the API verifies, then redirects to the frontend
        link = f"{settings.api_base_url.rstrip('/')}/api/auth/verify-email?token={token}"
    else:  # the frontend's form posts the token with the new password
        link = f"{settings.app_base_url.rstrip('/')}/reset-password?token={token}"
    repo.queue_email(conn, user["id"], user["email"], purpose, user["ui_language"], {"link": link})


def _duplicate_email() -> Conflict:
    return Conflict(
        "An account with this email already exists",
        details=[Detail("email", "An account with this email already exists", "duplicate")],
    )


def _refused(refusal: Refusal) -> RateLimited:
    if refusal.window is PER_ADDRESS:
        detail = "Account temporarily locked"
    else:
        detail = "Too many failed sign-in attempts from this network"
    return RateLimited(
        "Too many failed sign-in attempts; try again later",
        details=[Detail(None, detail, refusal.window.name)],
        headers={"Retry-After": str(refusal.retry_after)},
    )


def get_auth_service() -> AuthService:
    return AuthService(get_settings())

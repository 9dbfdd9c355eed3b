"""Access tokens (spec §2.1): ES256 JWTs with ``typ: at+jwt`` and a ``kid``; refresh tokens are opaque.

Verification is strict: the algorithm allow-list is ``[ES256]`` and the header is checked before
any signature work (``alg: none`` and HS256-with-the-public-key confusion die there), the key is
picked by ``kid`` (rotation: the previous key stays until its tokens expire; an unknown ``kid``
re-reads the key set, at most once a minute, so a rotation never signs anyone out of a warm
function), and ``iss``/``aud``/``exp``/``nbf`` are exact with 30 s leeway. Anything malformed is
a 401, never an exception. A revoked session (``revoked#<sid>``) kills its access tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast
from uuid import UUID, uuid4

from describe_it.errors import DependencyDown, InvalidToken, TokenExpired
from describe_it.identity import Role, Tier

ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"
ACCESS_TTL_S = 3600
LEEWAY_S = 30
KEY_RELOAD_INTERVAL_S = 60  # an unknown kid re-reads the key set at most this often per process
# Our header is about 70 base64 characters; anything much longer is not one of ours (and a deeply
# nested JSON value could exhaust the parser's recursion).
_HEADER_SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,512}")
_TIERS = {"free", "basic", "pro"}
_ROLES = {"user", "admin"}


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    tier: Tier
    role: Role
    expires_at: int
    token_id: str


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: int


class TokenIssuer:
    def __init__(self, private_pem: str, kid: str, issuer: str, audience: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, EllipticCurvePrivateKey):
            raise ValueError("the signing key must be an EC (P-256) key")
        self._key = key
        self._kid = kid
        self._issuer = issuer
        self._audience = audience

    def issue(
        self, user_id: UUID, session_id: UUID, tier: str, role: str, now: int | None = None
    ) -> IssuedToken:
        import jwt

        issued = int(now if now is not None else time.time())
        expires = issued + ACCESS_TTL_S
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "jti": uuid4().hex,
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "tier": tier,
            "role": role,
        }
        token = jwt.encode(
            claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid, "typ": TOKEN_TYPE}
        )
        return IssuedToken(token, expires)


def _b64json(segment: str) -> Any:
    if not _HEADER_SEGMENT.fullmatch(segment):
        raise ValueError("not a base64url segment of a plausible size")
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def _load_keys(public_keys: dict[str, str]) -> dict[str, Any]:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return {kid: load_pem_public_key(pem.encode()) for kid, pem in public_keys.items()}


class TokenVerifier:
    def __init__(
        self,
        public_keys: dict[str, str],
        issuer: str,
        audience: str,
        *,
        check_revoked: bool = True,
        reload_keys: Callable[[], dict[str, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._keys = _load_keys(public_keys)
        self._issuer = issuer
        self._audience = audience
        self._check_revoked = check_revoked
        self._reload_keys = reload_keys
        self._clock = clock
        self._reloaded_at: float | None = None
        self._reload_lock = threading.Lock()

    def _header(self, token: str) -> dict[str, Any]:
        try:
            header = _b64json(token.split(".", 1)[0])
        except (ValueError, RecursionError) as exc:  # bad base64, bad UTF-8 or JSON, oversize
            raise InvalidToken() from exc
        if not isinstance(header, dict):
            raise InvalidToken()
        alg, typ, kid = header.get("alg"), header.get("typ"), header.get("kid")
        if not (isinstance(alg, str) and isinstance(typ, str) and isinstance(kid, str)):
            raise InvalidToken()  # e.g. ``kid: []``: never let a value of the wrong type go further
        if alg != ALGORITHM or typ != TOKEN_TYPE:
            raise InvalidToken()
        return header

    def _key(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is None and self._reload():
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken()
        return key

    def _reload(self) -> bool:
        """An unknown kid may be a key rotated in after this process started: re-read the key set,
        at most once a minute (a flood of made-up kids must not become a flood of secret reads)."""
        if self._reload_keys is None:
            return False
        with self._reload_lock:
            now = self._clock()
            if self._reloaded_at is not None and now - self._reloaded_at < KEY_RELOAD_INTERVAL_S:
                return False
            self._reloaded_at = now
            try:
                self._keys = _load_keys(self._reload_keys())
            except Exception as exc:  # Secrets Manager or a bad secret: say so, do not guess
                from describe_it.observability import logger

                logger.warning("token key set could not be re-read", extra={"error": type(exc).__name__})
                raise DependencyDown("Token verification keys unavailable", retry_after=5) from exc
        return True

    def verify(self, token: str) -> AccessClaims:
        import jwt

        if token.count(".") != 2 or len(token) > 4096:
            raise InvalidToken()
        header = self._header(token)
        key = self._key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "sid", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired() from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        try:
            parsed = AccessClaims(
                user_id=UUID(claims["sub"]),
                session_id=UUID(claims["sid"]),
                tier=cast(Tier, claims["tier"]) if claims.get("tier") in _TIERS else _bad(),
                role=cast(Role, claims["role"]) if claims.get("role") in _ROLES else _bad(),
                expires_at=int(claims["exp"]),
                token_id=str(claims["jti"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken() from exc
        if self._check_revoked:
            from describe_it.runtime.revocations import is_revoked

            if is_revoked(parsed.session_id):
                raise InvalidToken("Session has been revoked")
        return parsed


def _bad() -> Any:
    raise ValueError("claim out of range")


# --- refresh tokens: opaque, 256-bit, stored as SHA-256 -------------------------------------------


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


# --- factories (built on first use; the key material comes from settings or Secrets Manager) ------


@cache
def get_token_verifier() -> TokenVerifier:
    from describe_it.auth.keys import load_key_set
    from describe_it.settings import get_settings

    settings = get_settings()
    return TokenVerifier(
        load_key_set().public_keys,
        settings.jwt_issuer,
        settings.jwt_audience,
        reload_keys=lambda: load_key_set().public_keys,
    )


ISSUER_MAX_AGE_S = 300  # how long a warm auth function signs with the key it read
_monotonic = time.monotonic
_issuer_lock = threading.Lock()
_issuer: tuple[float, TokenIssuer] | None = None


def get_token_issuer() -> TokenIssuer:
    """The signing key, re-read at most every 5 minutes: after a rotation every warm auth function
    signs with the new key within 5 minutes, long before the next rotation retires the old one."""
    global _issuer
    with _issuer_lock:
        now = _monotonic()
        if _issuer is not None and now - _issuer[0] < ISSUER_MAX_AGE_S:
            return _issuer[1]
        from describe_it.auth.keys import load_key_set
        from describe_it.settings import get_settings

        settings = get_settings()
        keys = load_key_set()
        if keys.private_pem is None or keys.kid is None:
            raise RuntimeError("this function holds no signing key")
        issuer = TokenIssuer(keys.private_pem, keys.kid, settings.jwt_issuer, settings.jwt_audience)
        _issuer = (now, issuer)
        return issuer


def forget_keys() -> None:
    """Tests point the settings at other keys: build the verifier and the issuer again."""
    global _issuer
    get_token_verifier.cache_clear()
    with _issuer_lock:
        _issuer = None

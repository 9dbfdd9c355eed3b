"""Access tokens (spec §2.1): ES256 JWTs with ``typ: at+jwt`` and a ``kid``; refresh tokens are opaque.

Verification is strict: the algorithm allow-list is ``[ES256]`` and the header is checked before
any signature work (``alg: none`` and HS256-with-the-public-key confusion die there), the key is
picked by ``kid`` from a fixed set (rotation: the previous key stays until its tokens expire), and
``iss``/``aud``/``exp``/``nbf`` are exact with 30 s leeway. A revoked session (``revoked#<sid>``)
kills its access tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, cast
from uuid import UUID, uuid4

from describe_it.errors import InvalidToken, TokenExpired
from describe_it.identity import Role, Tier

ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"
ACCESS_TTL_S = 3600
LEEWAY_S = 30
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
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


class TokenVerifier:
    def __init__(
        self, public_keys: dict[str, str], issuer: str, audience: str, *, check_revoked: bool = True
    ):
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        self._keys = {kid: load_pem_public_key(pem.encode()) for kid, pem in public_keys.items()}
        self._issuer = issuer
        self._audience = audience
        self._check_revoked = check_revoked

    def _header(self, token: str) -> dict[str, Any]:
        try:
            header = _b64json(token.split(".", 1)[0])
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidToken() from exc
        if not isinstance(header, dict):
            raise InvalidToken()
        if (
            header.get("alg") != ALGORITHM
            or header.get("typ") != TOKEN_TYPE
            or header.get("kid") not in self._keys
        ):
            raise InvalidToken()
        return header

    def verify(self, token: str) -> AccessClaims:
        import jwt

        if token.count(".") != 2 or len(token) > 4096:
            raise InvalidToken()
        header = self._header(token)
        try:
            claims = jwt.decode(
                token,
                self._keys[header["kid"]],  # type: ignore[arg-type]
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
    return TokenVerifier(load_key_set().public_keys, settings.jwt_issuer, settings.jwt_audience)


@cache
def get_token_issuer() -> TokenIssuer:
    from describe_it.auth.keys import load_key_set
    from describe_it.settings import get_settings

    settings = get_settings()
    keys = load_key_set()
    if keys.private_pem is None or keys.kid is None:
        raise RuntimeError("this function holds no signing key")
    return TokenIssuer(keys.private_pem, keys.kid, settings.jwt_issuer, settings.jwt_audience)

"""Access-token attacks (spec §2.1): every forged or stale token is a 401 with the same envelope code."""

from __future__ import annotations

import base64
import json
import time
from uuid import uuid4

import jwt
import pytest

from describe_it.auth.keys import generate_signing_key
from describe_it.auth.tokens import TokenIssuer, TokenVerifier
from describe_it.errors import InvalidToken, TokenExpired

ISS, AUD = "https://issuer.example", "describe-it-api"
KID, PRIVATE, PUBLIC = generate_signing_key()
OTHER_KID, OTHER_PRIVATE, OTHER_PUBLIC = generate_signing_key()


def verifier(keys: dict[str, str] | None = None) -> TokenVerifier:
    return TokenVerifier(keys or {KID: PUBLIC}, ISS, AUD, check_revoked=False)


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": ISS,
        "aud": AUD,
        "sub": str(uuid4()),
        "sid": str(uuid4()),
        "jti": uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "tier": "free",
        "role": "user",
    }
    base.update(overrides)
    return base


def sign(
    payload: dict[str, object], *, key: str = PRIVATE, kid: str = KID, alg: str = "ES256", typ: str = "at+jwt"
) -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": typ})


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_genuine_token_verifies():
    token = TokenIssuer(PRIVATE, KID, ISS, AUD).issue(uuid4(), uuid4(), "pro", "admin").token
    parsed = verifier().verify(token)
    assert (parsed.tier, parsed.role) == ("pro", "admin")


def test_alg_none_is_refused():
    token = f"{b64({'alg': 'none', 'typ': 'at+jwt', 'kid': KID})}.{b64(claims())}."
    with pytest.raises(InvalidToken):
        verifier().verify(token)


def test_algorithm_confusion_hs256_with_the_public_key_is_refused():
    header = b64({"alg": "HS256", "typ": "at+jwt", "kid": KID})
    body = b64(claims())
    import hashlib
    import hmac

    signature = hmac.new(PUBLIC.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(InvalidToken):
        verifier().verify(token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-api"},
        {"tier": "platinum"},
        {"role": "root"},
    ],
)
def test_wrong_claims_are_refused(overrides):
    with pytest.raises(InvalidToken):
        verifier().verify(sign(claims(**overrides)))


def test_not_yet_valid_is_refused():
    # nbf taken when the test runs: a value fixed at collection is in the past after a 10-minute run.
    with pytest.raises(InvalidToken):
        verifier().verify(sign(claims(nbf=int(time.time()) + 600)))


def test_missing_claim_is_refused():
    payload = claims()
    del payload["sid"]
    with pytest.raises(InvalidToken):
        verifier().verify(sign(payload))


def test_expired_is_token_expired_but_leeway_is_kept():
    with pytest.raises(TokenExpired):
        verifier().verify(sign(claims(exp=int(time.time()) - 60)))
    assert verifier().verify(sign(claims(exp=int(time.time()) - 10)))  # 30 s leeway


def test_tampered_signature_and_payload_are_refused():
    token = sign(claims())
    head, body, sig = token.split(".")
    flipped = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        verifier().verify(f"{head}.{body}.{flipped}")
    with pytest.raises(InvalidToken):
        verifier().verify(f"{head}.{b64(claims(tier='pro'))}.{sig}")


def test_unknown_kid_and_wrong_type_are_refused():
    with pytest.raises(InvalidToken):
        verifier().verify(sign(claims(), key=OTHER_PRIVATE, kid=OTHER_KID))
    with pytest.raises(InvalidToken):
        verifier().verify(sign(claims(), typ="JWT"))
    with pytest.raises(InvalidToken):
        verifier().verify(sign(claims(), kid=KID, key=OTHER_PRIVATE))  # right kid, wrong key


def test_rotation_keeps_the_previous_key_valid():
    old_token = sign(claims())
    new_token = sign(claims(), key=OTHER_PRIVATE, kid=OTHER_KID)
    after_rotation = verifier({OTHER_KID: OTHER_PUBLIC, KID: PUBLIC})
    assert after_rotation.verify(old_token)
    assert after_rotation.verify(new_token)
    retired = verifier({OTHER_KID: OTHER_PUBLIC})
    with pytest.raises(InvalidToken):
        retired.verify(old_token)


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c", "x" * 5000, "..", "eyJ.eyJ.sig"])
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidToken):
        verifier().verify(garbage)

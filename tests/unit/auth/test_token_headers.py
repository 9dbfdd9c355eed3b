"""Correction 2: any malformed token header is a 401 (``InvalidToken``), never another exception."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings

from describe_it.auth.keys import generate_signing_key
from describe_it.auth.tokens import TokenIssuer, TokenVerifier
from describe_it.errors import DependencyDown, InvalidToken
from tests.support.tokens import b64, header_segments, token_with_header

ISS, AUD = "https://issuer.example", "describe-it-api"
KID, PRIVATE, PUBLIC = generate_signing_key()
NEW_KID, NEW_PRIVATE, NEW_PUBLIC = generate_signing_key()
PAYLOAD = {"iss": ISS, "aud": AUD, "sub": str(uuid4()), "sid": str(uuid4()), "jti": "j", "tier": "free"}


def verifier(**kwargs: object) -> TokenVerifier:
    return TokenVerifier({KID: PUBLIC}, ISS, AUD, check_revoked=False, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kid", [[], {}, 7, None, True, ["k"], {"kid": KID}])
def test_a_kid_that_is_not_a_string_is_refused(kid: object) -> None:
    segment = b64(json.dumps({"alg": "ES256", "typ": "at+jwt", "kid": kid}).encode())
    with pytest.raises(InvalidToken):
        verifier().verify(token_with_header(segment, PAYLOAD))


@settings(max_examples=250, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(segment=header_segments(KID))
def test_every_malformed_header_is_invalid_token(segment: str) -> None:
    with pytest.raises(InvalidToken):
        verifier().verify(token_with_header(segment, PAYLOAD))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _new_key_token() -> str:
    return TokenIssuer(NEW_PRIVATE, NEW_KID, ISS, AUD).issue(uuid4(), uuid4(), "free", "user").token


def test_an_unknown_kid_rereads_the_key_set_at_most_once_a_minute() -> None:
    clock, reads = Clock(), []
    key_set = {KID: PUBLIC}

    def reload() -> dict[str, str]:
        reads.append(clock.now)
        return dict(key_set)

    warm = verifier(reload_keys=reload, clock=clock)
    forged = token_with_header(b64(b'{"alg":"ES256","typ":"at+jwt","kid":"made-up"}'), PAYLOAD)
    for _ in range(5):
        with pytest.raises(InvalidToken):
            warm.verify(forged)
    assert reads == [1000.0]  # a flood of made-up kids costs one read a minute

    key_set[NEW_KID] = NEW_PUBLIC  # a rotation lands
    clock.now += 59
    with pytest.raises(InvalidToken):
        warm.verify(_new_key_token())  # within the minute: not re-read yet
    clock.now += 1
    assert warm.verify(_new_key_token()).tier == "free"  # re-read once, then known
    assert warm.verify(_new_key_token()).tier == "free"
    assert reads == [1000.0, 1060.0]


def test_a_key_set_that_cannot_be_reread_is_503_not_a_guess() -> None:
    def broken() -> dict[str, str]:
        raise ConnectionError("secrets manager unreachable")

    with pytest.raises(DependencyDown):
        verifier(reload_keys=broken, clock=Clock()).verify(_new_key_token())

"""Signing-key rotation in AWS terms (Secrets Manager on the local endpoint): nobody is signed out."""

from __future__ import annotations

from uuid import uuid4

import pytest

from describe_it.auth.keys import ensure_signing_keys, load_key_set, rotate_signing_keys
from describe_it.auth.tokens import TokenIssuer, TokenVerifier
from describe_it.errors import InvalidToken


@pytest.fixture
def aws_keys(stack, settings_env):
    from describe_it.aws import client

    arns = [client("secretsmanager").create_secret(Name=f"jwt-{uuid4().hex}")["ARN"] for _ in range(2)]
    settings_env(
        JWT_SECRET_ARN=arns[0],
        JWT_PUBLIC_KEYS_SECRET_ARN=arns[1],
        JWT_PRIVATE_KEY=None,
        JWT_PUBLIC_KEYS=None,
        JWT_SIGNING_KID=None,
    )
    return arns


def _issuer_and_verifier():
    from describe_it.settings import get_settings

    s = get_settings()
    keys = load_key_set()
    assert keys.private_pem is not None and keys.kid is not None
    issuer = TokenIssuer(keys.private_pem, keys.kid, s.jwt_issuer, s.jwt_audience)
    return issuer, TokenVerifier(keys.public_keys, s.jwt_issuer, s.jwt_audience, check_revoked=False), keys


def test_first_deploy_creates_keys_once(aws_keys):
    kid = ensure_signing_keys()
    assert kid is not None
    assert ensure_signing_keys() is None  # the second deploy keeps them
    assert load_key_set().kid == kid


def test_rotation_keeps_old_tokens_valid_and_retires_keys_after_two_rotations(aws_keys):
    first = ensure_signing_keys()
    old_issuer, _, _ = _issuer_and_verifier()
    old_token = old_issuer.issue(uuid4(), uuid4(), "free", "user").token
    second = rotate_signing_keys()
    new_issuer, verifier, keys = _issuer_and_verifier()
    assert keys.kid == second != first
    assert set(keys.public_keys) == {first, second}
    assert verifier.verify(old_token).tier == "free"  # signed before rotation, still accepted
    assert verifier.verify(new_issuer.issue(uuid4(), uuid4(), "pro", "user").token).tier == "pro"
    rotate_signing_keys()
    _, verifier, _ = _issuer_and_verifier()
    with pytest.raises(InvalidToken):
        verifier.verify(old_token)  # two rotations later the first key is gone


@pytest.fixture
def fresh_token_factories():
    """The verifier and issuer are built once per process (a warm function); start and end cold."""
    from describe_it.auth.tokens import forget_keys

    forget_keys()
    yield
    forget_keys()


def test_a_warm_function_accepts_tokens_of_a_key_rotated_in_after_it_started(
    aws_keys, settings_env, fresh_token_factories
):
    from describe_it.auth.tokens import get_token_verifier

    ensure_signing_keys()
    settings_env(JWT_SECRET_ARN=None)  # a function outside auth: it reads only the public key set
    warm = get_token_verifier()
    settings_env(JWT_SECRET_ARN=aws_keys[0])
    rotate_signing_keys()  # the operator rotates, while the warm function keeps running
    new_issuer, _, _ = _issuer_and_verifier()
    token = new_issuer.issue(uuid4(), uuid4(), "basic", "user").token
    settings_env(JWT_SECRET_ARN=None)

    assert get_token_verifier() is warm  # still the same warm verifier, built before the rotation
    assert warm.verify(token).tier == "basic"  # the unknown kid made it re-read the public key set
    assert warm.verify(token).tier == "basic"


def test_a_warm_auth_function_signs_with_the_new_key_within_5_minutes(
    aws_keys, fresh_token_factories, monkeypatch
):
    import jwt

    from describe_it.auth import tokens

    clock = [1000.0]
    monkeypatch.setattr(tokens, "_monotonic", lambda: clock[0])

    def signing_kid() -> str:
        token = tokens.get_token_issuer().issue(uuid4(), uuid4(), "free", "user").token
        return str(jwt.get_unverified_header(token)["kid"])

    first = ensure_signing_keys()
    assert signing_kid() == first
    second = rotate_signing_keys()
    clock[0] += 299
    assert signing_kid() == first  # still the key it read (which still verifies)
    clock[0] += 1
    assert signing_kid() == second  # re-read: a second rotation an hour later retires nothing in use


@pytest.mark.parametrize(("role", "signs"), [("auth", True), ("app", False), ("admin", False)])
def test_db_role_decides_which_key_secret_a_function_reads(aws_keys, settings_env, role, signs):
    """Every function is given both secrets' ARNs (template Globals): only auth functions read the
    signing secret (they mint tokens); the others read the public set and hold no private key."""
    first = ensure_signing_keys()
    settings_env(DB_ROLE=role)

    keys = load_key_set()

    if signs:
        assert keys.private_pem is not None and keys.kid == first
    else:
        assert keys.private_pem is None and keys.kid is None
    assert set(keys.public_keys) == {first}

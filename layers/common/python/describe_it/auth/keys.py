"""Access-token signing keys (ES256). Auth functions hold the private key; others the public set."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from describe_it.settings import get_settings


def generate_signing_key() -> tuple[str, str, str]:
    """A new P-256 key: (kid, private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return f"k-{secrets.token_hex(6)}", private_pem, public_pem


@dataclass(frozen=True)
class KeySet:
    kid: str | None  # the current signing key's id (auth functions only)
    private_pem: str | None
    public_keys: dict[str, str]  # every key whose tokens may still be alive: current + previous


def _from_secret(arn: str) -> dict[str, Any]:
    from describe_it.aws import client

    try:
        return dict(json.loads(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]))
    except Exception as exc:  # any failure to read a secret: retry later (503), logged by class only
        from describe_it.errors import DependencyDown
        from describe_it.observability import error_fields, logger

        logger.warning("signing key secret unavailable", extra=error_fields(exc))
        raise DependencyDown("Token keys unavailable", retry_after=5) from exc


def load_key_set() -> KeySet:
    """Signing material from settings (local) or Secrets Manager (AWS).

    The signing secret holds ``{"current": {kid, privateKey, publicKey}, "previous": [{kid, publicKey}]}``
    and only auth functions may read it; every other function reads the public set
    ``{kid: publicKeyPem}`` from its own secret, so a bug outside auth cannot mint tokens.
    """
    settings = get_settings()
    public: dict[str, str] = {}
    kid: str | None = settings.jwt_signing_kid
    private: str | None = settings.jwt_private_key.get_secret_value() if settings.jwt_private_key else None
    if settings.jwt_public_keys is not None:
        public.update(json.loads(settings.jwt_public_keys.get_secret_value()))
    public_arn, signing_arn = settings.token_public_keys_secret_arn(), settings.token_signing_secret_arn()
    if public_arn:
        public.update(_from_secret(public_arn))
    if signing_arn:
        signing = _from_secret(signing_arn)
        current = signing["current"]
        kid, private = current["kid"], current["privateKey"]
        public[current["kid"]] = current["publicKey"]
        for old in signing.get("previous", []):
            public[old["kid"]] = old["publicKey"]
    if not public:
        raise RuntimeError("no token verification keys configured")
    return KeySet(kid, private, public)


def ensure_signing_keys() -> str | None:
    """Deploy step: write the first key pair when the signing secret has none (AWS only).

    The private key is made here, inside the account, so it never passes through CloudFormation.
    The public half goes to its own secret, which every verifying function reads. Returns the new
    key id, or None when keys already exist (rotation is a deliberate operator step; see README).
    """
    settings = get_settings()
    if not settings.jwt_secret_arn or not settings.jwt_public_keys_secret_arn:
        return None
    from describe_it.aws import client

    secrets_manager = client("secretsmanager")
    try:
        secrets_manager.get_secret_value(SecretId=settings.jwt_secret_arn)
        return None
    except secrets_manager.exceptions.ResourceNotFoundException:
        pass  # declared without a value: this is the first deploy
    kid, private_pem, public_pem = generate_signing_key()
    signing = {"current": {"kid": kid, "privateKey": private_pem, "publicKey": public_pem}, "previous": []}
    secrets_manager.put_secret_value(
        SecretId=settings.jwt_public_keys_secret_arn, SecretString=json.dumps({kid: public_pem})
    )
    secrets_manager.put_secret_value(SecretId=settings.jwt_secret_arn, SecretString=json.dumps(signing))
    return kid


def rotate_signing_keys(keep_previous: int = 1) -> str:
    """Operator step (``admin_cli rotate-signing-key``): a new current key; the old one is kept for
    verification only, so tokens it signed stay valid until they expire (≤ 1 h) and nobody is
    signed out. A warm verifying function re-reads the public key set when it first sees the new
    ``kid`` (``TokenVerifier``), and a warm auth function signs with the new key within 5 minutes
    (``get_token_issuer``); run it again only a token lifetime after that (65 minutes or more)."""
    settings = get_settings()
    if not settings.jwt_secret_arn or not settings.jwt_public_keys_secret_arn:
        raise RuntimeError("rotation needs JWT_SECRET_ARN and JWT_PUBLIC_KEYS_SECRET_ARN (AWS)")
    from describe_it.aws import client

    secrets_manager = client("secretsmanager")
    signing = json.loads(secrets_manager.get_secret_value(SecretId=settings.jwt_secret_arn)["SecretString"])
    old = signing["current"]
    previous = [{"kid": old["kid"], "publicKey": old["publicKey"]}, *signing.get("previous", [])][
        :keep_previous
    ]
    kid, private_pem, public_pem = generate_signing_key()
    # Public keys first: a verifier must know the new key before any token signed with it exists.
    public = {kid: public_pem, **{p["kid"]: p["publicKey"] for p in previous}}
    secrets_manager.put_secret_value(
        SecretId=settings.jwt_public_keys_secret_arn, SecretString=json.dumps(public)
    )
    current = {"kid": kid, "privateKey": private_pem, "publicKey": public_pem}
    secrets_manager.put_secret_value(
        SecretId=settings.jwt_secret_arn, SecretString=json.dumps({"current": current, "previous": previous})
    )
    return kid

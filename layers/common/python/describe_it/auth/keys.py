"""Access-token signing keys (ES256). Auth functions hold the private key; others the public set."""

from __future__ import annotations

import secrets


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

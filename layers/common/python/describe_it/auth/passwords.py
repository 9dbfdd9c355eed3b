"""Password hashing (argon2id) and the password rules of spec §2.1.

Parameters: m = 19 MiB, t = 2, p = 1 — OWASP's minimum for argon2id. They keep one hash near 20 ms
on a Lambda-sized core, so sign-in stays fast while an offline guess stays expensive.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return str(_hasher().hash(normalise(password)))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(password_hash, normalise(password)))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher().check_needs_rehash(password_hash))


# A hash of a random password: verifying against it costs what a real check costs, so an unknown
# e-mail takes as long to refuse as a wrong password (no timing oracle for account existence).
@cache
def dummy_hash() -> str:
    import secrets

    return hash_password(secrets.token_urlsafe(16))

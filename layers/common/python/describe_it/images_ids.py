"""Deterministic image ids (schema.md §4, api.md §5.1): ``images.id = uuid5(NAMESPACE, hex(source_hash))``.

``source_hash`` is the SHA-256 of the normalised https URL (``url`` rows) or of the decoded bytes
(``upload`` rows). The same image therefore gets the same ``imageId`` everywhere — on a cache hit, in
the seed, on another stage — without a database round trip. Never change the namespace: every stored
id derives from it.
"""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid5

# uuid5(NAMESPACE_URL, "https://describe-it.local/ns/images"), frozen here as a literal.
NAMESPACE = UUID("97d8719d-312e-5f15-a040-7bd873c23eda")


def image_id_for_hash(source_hash: bytes) -> UUID:
    if len(source_hash) != 32:
        raise ValueError("source_hash must be a 32-byte SHA-256 digest")
    return uuid5(NAMESPACE, source_hash.hex())


def source_hash_for_url(normalised_url: str) -> bytes:
    """SHA-256 of an already normalised URL (normalising is the image fetcher's job)."""
    return hashlib.sha256(normalised_url.encode("utf-8")).digest()

"""Hypothesis strategies for malformed access tokens: every header that must never verify."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

# Any JSON value, a few levels deep.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
not_strings = json_values.filter(lambda v: not isinstance(v, str))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _header_with(kid: str) -> st.SearchStrategy[dict[str, Any]]:
    """A header that is right except for one field of the wrong type (or value), or extra junk."""
    good = {"alg": "ES256", "typ": "at+jwt", "kid": kid}
    wrong_field = st.sampled_from(sorted(good)).flatmap(
        lambda name: (not_strings | st.text(max_size=30).filter(lambda t: t != good[name])).map(
            lambda value: {**good, name: value}
        )
    )
    missing_field = st.sampled_from(sorted(good)).map(
        lambda name: {k: v for k, v in good.items() if k != name}
    )
    return wrong_field | missing_field


def header_segments(kid: str) -> st.SearchStrategy[str]:
    """The first segment of a token whose header is malformed in one of many ways."""
    objects = (_header_with(kid) | st.dictionaries(st.text(max_size=8), json_values, max_size=5)).map(
        lambda h: b64(json.dumps(h).encode())
    )
    non_objects = json_values.filter(lambda v: not isinstance(v, dict)).map(
        lambda v: b64(json.dumps(v).encode())
    )
    not_json = st.binary(max_size=64).filter(lambda b: not _is_json(b)).map(b64)
    bad_base64 = st.text(alphabet="!@#$%^&*()+/=~ \t.é", min_size=1, max_size=20)
    one_char_too_many = st.just("A")  # a base64 length that no byte string has
    oversize = st.integers(min_value=600, max_value=3000).map(
        lambda n: b64(json.dumps({"alg": "ES256", "typ": "at+jwt", "kid": kid, "pad": "x" * n}).encode())
    )
    deep = st.integers(min_value=50, max_value=2000).map(lambda n: b64(b"[" * n + b"]" * n))
    return objects | non_objects | not_json | bad_base64 | one_char_too_many | oversize | deep


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def token_with_header(segment: str, payload: dict[str, Any]) -> str:
    return f"{segment}.{b64(json.dumps(payload).encode())}.{b64(b'not a signature')}"

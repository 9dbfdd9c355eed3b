"""Which URLs an image may be fetched from (spec §9.3), checked before anything is resolved or opened.

The URL is parsed once, by httpx — the library that will send the request — so the checks and the
request can never disagree about which host is meant. The host must be an IP literal or a plain DNS
name: numeric shorthands that resolvers expand to an address (``127.1``, ``2130706433``, ``0x7f.1``),
percent-escapes and single-label names are refused outright rather than left to the resolver.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from describe_it.errors import Detail, ValidationFailed
from describe_it.images.addresses import IPAddress, parse_ip

if TYPE_CHECKING:
    import httpx

FIELD = "imageUrl"
MAX_URL_LENGTH = 2048
HTTPS_PORT = 443

# Whether a TCP port may be connected to; production allows 443 only.
PortPolicy = Callable[[int], bool]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")  # what WHATWG parsing would read as IPv4


def https_port_only(port: int) -> bool:
    return port == HTTPS_PORT


@dataclass(frozen=True)
class ImageUrl:
    """A URL that passed every syntactic check; its addresses are checked separately, per hop."""

    url: httpx.URL  # what is requested (fragment dropped, trailing dot of the host removed)
    host: str  # ASCII (IDNA) host, lower case; an IPv6 literal without brackets
    port: int
    address: IPAddress | None  # set when the host is an IP literal (nothing to resolve)


class HostAllowList:
    """``IMAGE_FETCH_ALLOWED_HOSTS``: exact names, or ``*.example.com`` for the subdomains of one.

    Empty means every public host. It narrows the address checks, never replaces them.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        cleaned = [entry.strip().lower().rstrip(".") for entry in entries if entry.strip()]
        self._exact = frozenset(entry for entry in cleaned if not entry.startswith("*."))
        self._suffixes = tuple(entry[1:] for entry in cleaned if entry.startswith("*."))

    def allows(self, host: str) -> bool:
        if not self._exact and not self._suffixes:
            return True
        return host in self._exact or host.endswith(self._suffixes)


def parse_image_url(
    raw: str,
    *,
    port_policy: PortPolicy = https_port_only,
    allowed_hosts: HostAllowList | None = None,
    redirect: bool = False,
) -> ImageUrl:
    """Check scheme, port, credentials and host syntax; raise 400 ``ValidationFailed`` otherwise."""
    import httpx

    def refuse(message: str) -> ValidationFailed:
        text = f"Redirect refused: {message}" if redirect else message
        return ValidationFailed(text, details=[Detail(FIELD, text, "invalid_format")])

    if len(raw) > MAX_URL_LENGTH:
        raise refuse(f"The URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in raw):
        raise refuse("The URL contains spaces or control characters")
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        raise refuse("The URL is not valid") from None
    if url.scheme != "https":
        raise refuse("Only HTTPS URLs are allowed")
    if url.userinfo:
        raise refuse("URLs with credentials are not allowed")
    port = url.port or HTTPS_PORT
    if not port_policy(port):
        raise refuse("Only port 443 is allowed")
    host = url.raw_host.decode("ascii").lower().rstrip(".")
    address = parse_ip(host) if ":" in host or _looks_numeric(host) else None
    if "%" in host or (address is None and not _is_dns_name(host)):
        raise refuse("The URL's host is not valid")
    if allowed_hosts is not None and not allowed_hosts.allows(host):
        raise refuse("Images from this host are not allowed")
    return ImageUrl(url=url.copy_with(host=host, fragment=None), host=host, port=port, address=address)


def normalise_image_url(image_url: ImageUrl) -> str:
    """The cache/identity form of spec §5.1: lower-case scheme and host, no default port, no fragment."""
    host = f"[{image_url.host}]" if ":" in image_url.host else image_url.host
    port = "" if image_url.port == HTTPS_PORT else f":{image_url.port}"
    target = image_url.url.raw_path.decode("ascii") or "/"
    return f"https://{host}{port}{target}"


def _looks_numeric(host: str) -> bool:
    return bool(_NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]))


def _is_dns_name(host: str) -> bool:
    labels = host.split(".")
    return (
        len(host) <= 253
        and len(labels) >= 2  # single-label names only ever mean something on a private network
        and all(_LABEL.match(label) for label in labels)
        and not _NUMERIC_LABEL.match(labels[-1])
    )

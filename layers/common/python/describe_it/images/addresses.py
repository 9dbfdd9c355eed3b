"""Which IP addresses an outbound image fetch may connect to (spec §9.3): public unicast only.

The tables are explicit rather than ``ipaddress``'s ``is_private``/``is_global`` flags, whose meaning
changed between Python releases; the local interpreter (3.11) and Lambda (3.12) must agree. Addresses
that carry an IPv4 address inside (NAT64, 6to4, Teredo) are judged by what they reach.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressClass(StrEnum):
    PUBLIC = "public"
    UNSPECIFIED = "unspecified"
    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    CGNAT = "cgnat"
    MULTICAST = "multicast"
    RESERVED = "reserved"
    DOCUMENTATION = "documentation"
    BENCHMARK = "benchmark"
    METADATA = "metadata"
    ULA = "unique-local"
    SITE_LOCAL = "site-local"
    IPV4_MAPPED = "ipv4-mapped"
    IPV4_COMPATIBLE = "ipv4-compatible"
    NAT64_LOCAL = "nat64-local"


# What decides whether an address may be connected to: PUBLIC allows, any other class refuses.
AddressPolicy = Callable[[IPAddress], AddressClass]

_C = AddressClass

# Ordered: the first network that contains the address wins, so specific entries come first.
_V4: tuple[tuple[ipaddress.IPv4Network, AddressClass], ...] = tuple(
    (ipaddress.IPv4Network(net), cls)
    for net, cls in (
        ("169.254.169.254/32", _C.METADATA),  # EC2/ECS/GCP instance metadata
        ("0.0.0.0/32", _C.UNSPECIFIED),
        ("0.0.0.0/8", _C.RESERVED),  # "this network"
        ("10.0.0.0/8", _C.PRIVATE),
        ("100.64.0.0/10", _C.CGNAT),
        ("127.0.0.0/8", _C.LOOPBACK),
        ("169.254.0.0/16", _C.LINK_LOCAL),
        ("172.16.0.0/12", _C.PRIVATE),
        ("192.0.0.0/24", _C.RESERVED),  # IETF protocol assignments
        ("192.0.2.0/24", _C.DOCUMENTATION),
        ("192.88.99.0/24", _C.RESERVED),  # the retired 6to4 relay anycast
        ("192.168.0.0/16", _C.PRIVATE),
        ("198.18.0.0/15", _C.BENCHMARK),
        ("198.51.100.0/24", _C.DOCUMENTATION),
        ("203.0.113.0/24", _C.DOCUMENTATION),
        ("224.0.0.0/4", _C.MULTICAST),
        ("240.0.0.0/4", _C.RESERVED),  # includes the broadcast address
    )
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix: the IPv4 address is the last 32 bits
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")

_V6: tuple[tuple[ipaddress.IPv6Network, AddressClass], ...] = tuple(
    (ipaddress.IPv6Network(net), cls)
    for net, cls in (
        ("::/128", _C.UNSPECIFIED),
        ("::1/128", _C.LOOPBACK),
        ("::ffff:0:0/96", _C.IPV4_MAPPED),  # no public host publishes one; refused whatever is inside
        ("::/96", _C.IPV4_COMPATIBLE),  # deprecated, same reasoning
        ("64:ff9b:1::/48", _C.NAT64_LOCAL),  # local-use NAT64 (RFC 8215): only ever an internal path
        ("2001:2::/48", _C.BENCHMARK),
        ("2001:db8::/32", _C.DOCUMENTATION),
        ("3fff::/20", _C.DOCUMENTATION),
        ("2001::/23", _C.RESERVED),  # IETF protocol assignments (Teredo is judged before this)
        ("fd00:ec2::254/128", _C.METADATA),  # EC2 instance metadata over IPv6
        ("fc00::/7", _C.ULA),
        ("fe80::/10", _C.LINK_LOCAL),
        ("fec0::/10", _C.SITE_LOCAL),
        ("ff00::/8", _C.MULTICAST),
    )
)


def classify(address: IPAddress) -> AddressClass:
    """The class of one address; only ``PUBLIC`` may be connected to."""
    if isinstance(address, ipaddress.IPv4Address):
        return _classify_v4(address)
    return _classify_v6(address)


def default_policy(address: IPAddress) -> AddressClass:
    """The production address policy: exactly :func:`classify`."""
    return classify(address)


def parse_ip(text: str) -> IPAddress | None:
    """An IP literal (IPv6 without brackets, zone allowed) or None when ``text`` is a name."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _classify_v4(address: ipaddress.IPv4Address) -> AddressClass:
    for network, cls in _V4:
        if address in network:
            return cls
    return _C.PUBLIC


def _classify_v6(address: ipaddress.IPv6Address) -> AddressClass:
    if address.scope_id is not None:  # a zone only makes sense for link-local destinations
        address = ipaddress.IPv6Address(address.packed)
    embedded = _embedded_v4(address)
    if embedded:
        worst = next((cls for cls in map(_classify_v4, embedded) if cls is not _C.PUBLIC), None)
        return worst or _C.PUBLIC
    for network, cls in _V6:
        if address in network:
            return cls
    return _C.PUBLIC if address in _GLOBAL_UNICAST else _C.RESERVED


def _embedded_v4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a translation or tunnelling prefix would reach, [] for other addresses."""
    if address in _NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address in _TEREDO and address.teredo is not None:
        server, client = address.teredo
        return [server, client]
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        return [address.sixtofour]
    return []

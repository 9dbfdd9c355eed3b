"""Address classification (spec §9.3) as a pure function: both families, every class."""

from __future__ import annotations

import ipaddress

import pytest

from describe_it.images.addresses import AddressClass, classify, parse_ip

C = AddressClass

TABLE = [
    # IPv4 — public
    ("8.8.8.8", C.PUBLIC),
    ("1.1.1.1", C.PUBLIC),
    ("93.184.216.34", C.PUBLIC),
    ("151.101.2.208", C.PUBLIC),
    ("9.255.255.255", C.PUBLIC),
    ("11.0.0.0", C.PUBLIC),
    ("100.63.255.255", C.PUBLIC),
    ("100.128.0.0", C.PUBLIC),
    ("172.15.255.255", C.PUBLIC),
    ("172.32.0.0", C.PUBLIC),
    ("192.0.1.1", C.PUBLIC),
    ("192.167.255.255", C.PUBLIC),
    ("198.17.255.255", C.PUBLIC),
    ("198.20.0.0", C.PUBLIC),
    ("223.255.255.255", C.PUBLIC),
    # IPv4 — refused
    ("0.0.0.0", C.UNSPECIFIED),
    ("0.1.2.3", C.RESERVED),
    ("10.0.0.1", C.PRIVATE),
    ("10.255.255.255", C.PRIVATE),
    ("172.16.0.1", C.PRIVATE),
    ("172.31.255.255", C.PRIVATE),
    ("192.168.1.1", C.PRIVATE),
    ("100.64.0.1", C.CGNAT),
    ("100.127.255.255", C.CGNAT),
    ("100.100.100.200", C.CGNAT),  # Alibaba's metadata service sits in CGNAT space
    ("127.0.0.1", C.LOOPBACK),
    ("127.255.255.254", C.LOOPBACK),
    ("169.254.169.254", C.METADATA),
    ("169.254.170.2", C.LINK_LOCAL),  # ECS task metadata
    ("169.254.0.1", C.LINK_LOCAL),
    ("192.0.0.8", C.RESERVED),
    ("192.0.2.1", C.DOCUMENTATION),
    ("198.51.100.7", C.DOCUMENTATION),
    ("203.0.113.9", C.DOCUMENTATION),
    ("192.88.99.1", C.RESERVED),
    ("198.18.0.1", C.BENCHMARK),
    ("198.19.255.255", C.BENCHMARK),
    ("224.0.0.1", C.MULTICAST),
    ("239.255.255.250", C.MULTICAST),
    ("240.0.0.1", C.RESERVED),
    ("255.255.255.255", C.RESERVED),
    # IPv6 — public
    ("2606:4700:4700::1111", C.PUBLIC),
    ("2a00:1450:4001:81a::200e", C.PUBLIC),
    ("2001:4860:4860::8888", C.PUBLIC),
    ("64:ff9b::808:808", C.PUBLIC),  # NAT64 of 8.8.8.8
    ("2002:808:808::1", C.PUBLIC),  # 6to4 of 8.8.8.8
    # IPv6 — refused
    ("::", C.UNSPECIFIED),
    ("::1", C.LOOPBACK),
    ("::ffff:10.0.0.1", C.IPV4_MAPPED),
    ("::ffff:127.0.0.1", C.IPV4_MAPPED),
    ("::ffff:169.254.169.254", C.IPV4_MAPPED),
    ("::ffff:8.8.8.8", C.IPV4_MAPPED),  # no public host publishes one
    ("::10.0.0.1", C.IPV4_COMPATIBLE),
    ("::127.0.0.1", C.IPV4_COMPATIBLE),
    ("64:ff9b::a00:1", C.PRIVATE),  # NAT64 of 10.0.0.1
    ("64:ff9b::7f00:1", C.LOOPBACK),  # NAT64 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", C.METADATA),  # NAT64 of 169.254.169.254
    ("64:ff9b:1::a00:1", C.NAT64_LOCAL),
    ("64:ff9b:1:ffff::1", C.NAT64_LOCAL),
    ("2002:a00:1::1", C.PRIVATE),  # 6to4 of 10.0.0.1
    ("2002:7f00:1::", C.LOOPBACK),  # 6to4 of 127.0.0.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", C.DOCUMENTATION),  # Teredo, client 192.0.2.45
    ("2001:0:a00:1::", C.PRIVATE),  # Teredo server 10.0.0.1
    ("fc00::1", C.ULA),
    ("fd12:3456:789a::1", C.ULA),
    ("fd00:ec2::254", C.METADATA),
    ("fd00:ec2::23", C.ULA),
    ("fe80::1", C.LINK_LOCAL),
    ("fe80::1%eth0", C.LINK_LOCAL),
    ("febf::1", C.LINK_LOCAL),
    ("fec0::1", C.SITE_LOCAL),
    ("ff02::1", C.MULTICAST),
    ("ff0e::1", C.MULTICAST),
    ("2001:db8::1", C.DOCUMENTATION),
    ("3fff::1", C.DOCUMENTATION),
    ("2001:2::1", C.BENCHMARK),
    ("2001:10::1", C.RESERVED),  # ORCHID
    ("100::1", C.RESERVED),  # discard-only
    ("5f00::1", C.RESERVED),  # SRv6 SIDs, outside global unicast
    ("4000::1", C.RESERVED),  # unassigned
    ("::2", C.IPV4_COMPATIBLE),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t for t, _ in TABLE])
def test_classify(text: str, expected: AddressClass) -> None:
    address = parse_ip(text)
    assert address is not None
    assert classify(address) is expected


def test_every_class_is_covered_by_the_table() -> None:
    assert {cls for _, cls in TABLE} == set(AddressClass)


@pytest.mark.parametrize("text", ["images.unsplash.com", "127.1", "2130706433", "", "1.2.3.4.5", "[::1]"])
def test_parse_ip_refuses_anything_but_a_literal(text: str) -> None:
    assert parse_ip(text) is None


def test_parse_ip_reads_both_families() -> None:
    assert parse_ip("10.0.0.1") == ipaddress.IPv4Address("10.0.0.1")
    assert parse_ip("::ffff:10.0.0.1") == ipaddress.IPv6Address("::ffff:10.0.0.1")

"""SSRF probes: each is refused by the production policies before any socket is opened."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from typing import Any

import pytest

from describe_it.errors import ApiError, Forbidden, ValidationFailed
from describe_it.images.addresses import IPAddress
from describe_it.images.fetcher import ImageFetcher, fetcher_from_settings, system_resolver
from describe_it.settings import Settings


class Resolver:
    def __init__(self, *addresses: str) -> None:
        self.addresses = [ipaddress.ip_address(a) for a in addresses]
        self.calls: list[str] = []

    def __call__(self, host: str, timeout: float) -> list[IPAddress]:
        self.calls.append(host)
        return self.addresses


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every socket the code under test tries to open or connect (unit tests refuse them anyway)."""
    opened: list[Any] = []

    def record(*args: Any, **_kwargs: Any) -> None:
        opened.append(args)
        raise RuntimeError("no sockets in a probe test")

    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.setattr(socket.socket, "connect_ex", record)
    monkeypatch.setattr(socket, "create_connection", record)
    return opened


PROBES = [
    ("https://127.0.0.1/", Forbidden),
    ("https://127.0.0.1:443/latest", Forbidden),
    ("https://169.254.169.254/latest/meta-data/iam/security-credentials/", Forbidden),
    ("https://[::1]/", Forbidden),
    ("https://[::ffff:10.0.0.1]/", Forbidden),
    ("https://[::ffff:169.254.169.254]/", Forbidden),
    ("https://[fd00:ec2::254]/latest/meta-data/", Forbidden),
    ("https://[64:ff9b::a9fe:a9fe]/", Forbidden),
    ("https://10.0.0.1/", Forbidden),
    ("https://192.168.0.1/", Forbidden),
    ("https://100.64.0.1/", Forbidden),
    ("https://0.0.0.0/", Forbidden),
    ("https://[::]/", Forbidden),
    ("http://images.unsplash.com/a.jpg", ValidationFailed),
    ("http://169.254.169.254/", ValidationFailed),
    ("https://images.unsplash.com:8443/a.jpg", ValidationFailed),
    ("https://user:secret@images.unsplash.com/a.jpg", ValidationFailed),
    ("https://127.1/", ValidationFailed),
    ("https://2130706433/", ValidationFailed),
    ("https://localhost/", ValidationFailed),
]


@pytest.mark.parametrize(("url", "error"), PROBES, ids=[url for url, _ in PROBES])
def test_probe_is_refused_before_any_connection(url: str, error: type[ApiError], sockets: list[Any]) -> None:
    resolver = Resolver("93.184.216.34")
    with pytest.raises(error) as caught:
        ImageFetcher(resolver=resolver).fetch(url)
    assert type(caught.value) is error
    assert [d.field for d in caught.value.details] == ["imageUrl"]
    assert sockets == []
    assert resolver.calls == []  # IP literals and bad URLs are judged without resolving anything


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["::1"],
        ["93.184.216.34", "10.0.0.5"],  # one public and one private record: the name is refused
        ["2606:4700::1111", "fd00::1"],
        ["93.184.216.34", "::ffff:127.0.0.1"],
    ],
)
def test_a_name_with_any_private_record_is_refused(answer: list[str], sockets: list[Any]) -> None:
    resolver = Resolver(*answer)
    with pytest.raises(Forbidden) as caught:
        ImageFetcher(resolver=resolver).fetch("https://images.example.com/a.jpg")
    assert caught.value.message == "The image URL points to an address that is not allowed"
    assert [(d.field, d.code) for d in caught.value.details] == [("imageUrl", "blocked_address")]
    assert resolver.calls == ["images.example.com"]
    assert sockets == []


def test_a_name_without_records_is_a_400(sockets: list[Any]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ImageFetcher(resolver=Resolver()).fetch("https://nowhere.example.com/a.jpg")
    assert caught.value.message == "The image host could not be found"
    assert sockets == []


def test_the_allow_list_is_checked_before_resolving(sockets: list[Any]) -> None:
    resolver = Resolver("93.184.216.34")
    fetcher = ImageFetcher(resolver=resolver, allowed_hosts=["images.unsplash.com"])
    with pytest.raises(ValidationFailed):
        fetcher.fetch("https://evil.example.com/a.jpg")
    assert resolver.calls == []
    assert sockets == []


def test_a_tls_context_that_does_not_verify_is_refused() -> None:
    lax = ssl.create_default_context()
    lax.check_hostname = False
    with pytest.raises(ValueError, match="must verify"):
        ImageFetcher(tls_context=lax)
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="must verify"):
        ImageFetcher(tls_context=lax)


def test_the_system_resolver_returns_literal_answers_without_the_network() -> None:
    # getaddrinfo answers IP literals itself; no DNS query and no socket is involved.
    assert system_resolver("127.0.0.1", 1.0) == [ipaddress.ip_address("127.0.0.1")]
    assert system_resolver("::1", 1.0) == [ipaddress.ip_address("::1")]


def test_the_production_fetcher_reads_its_allow_list_from_settings(sockets: list[Any]) -> None:
    settings = Settings(image_fetch_allowed_hosts="images.unsplash.com, *.example.org")  # type: ignore[arg-type]
    fetcher = fetcher_from_settings(settings)

    assert fetcher.check_url("https://cdn.example.org/a.jpg").host == "cdn.example.org"
    with pytest.raises(ValidationFailed) as caught:
        fetcher.fetch("https://evil.example.com/a.jpg")
    assert caught.value.message == "Images from this host are not allowed"
    assert sockets == []

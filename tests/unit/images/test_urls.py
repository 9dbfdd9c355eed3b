"""Syntactic URL checks of the fetcher (400s), the allow-list, and the cache-key normalisation."""

from __future__ import annotations

import ipaddress

import pytest

from describe_it.errors import ValidationFailed
from describe_it.images.urls import HostAllowList, normalise_image_url, parse_image_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://images.unsplash.com/a.jpg", "Only HTTPS URLs are allowed"),
        ("ftp://images.unsplash.com/a.jpg", "Only HTTPS URLs are allowed"),
        ("file:///etc/passwd", "Only HTTPS URLs are allowed"),
        ("gopher://127.0.0.1:6379/_INFO", "Only HTTPS URLs are allowed"),
        ("images.unsplash.com/a.jpg", "Only HTTPS URLs are allowed"),
        ("https://images.unsplash.com:8443/a.jpg", "Only port 443 is allowed"),
        ("https://images.unsplash.com:80/a.jpg", "Only port 443 is allowed"),
        ("https://user:pw@images.unsplash.com/a.jpg", "URLs with credentials are not allowed"),
        ("https://user@images.unsplash.com/a.jpg", "URLs with credentials are not allowed"),
        ("https://images.unsplash.com\\@127.0.0.1/", "URLs with credentials are not allowed"),
        ("https://127.1/", "The URL's host is not valid"),
        ("https://2130706433/", "The URL's host is not valid"),
        ("https://0x7f000001/", "The URL's host is not valid"),
        ("https://0x7f.1/", "The URL's host is not valid"),
        ("https://1.2.3.4.5/", "The URL's host is not valid"),
        ("https://%31%32%37.0.0.1/", "The URL's host is not valid"),
        ("https://[fe80::1%25eth0]/", "The URL's host is not valid"),
        ("https://localhost/", "The URL's host is not valid"),
        ("https://metadata/computeMetadata/v1/", "The URL's host is not valid"),
        ("https://under_score.example.com/", "The URL's host is not valid"),
        ("https://-bad.example.com/", "The URL's host is not valid"),
        ("https:///a.jpg", "The URL's host is not valid"),
        ("https://exa mple.com/", "The URL contains spaces or control characters"),
        ("https://example.com/a\nb", "The URL contains spaces or control characters"),
        ("https://example.com/" + "a" * 2048, "The URL is longer than 2048 characters"),
        ("https://[::1/", "The URL is not valid"),
    ],
)
def test_refused_urls(url: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_image_url(url)
    assert caught.value.message == message
    assert [(d.field, d.code) for d in caught.value.details] == [("imageUrl", "invalid_format")]


def test_a_redirect_says_so() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_image_url("http://example.com/", redirect=True)
    assert caught.value.message == "Redirect refused: Only HTTPS URLs are allowed"


@pytest.mark.parametrize(
    ("url", "host", "address"),
    [
        ("https://images.unsplash.com/photo-1?w=1080&q=80", "images.unsplash.com", None),
        ("HTTPS://Images.Unsplash.COM./a.jpg", "images.unsplash.com", None),
        ("https://images.unsplash.com:443/a.jpg", "images.unsplash.com", None),
        ("https://bücher.example/a.jpg", "xn--bcher-kva.example", None),
        ("https://127.0.0.1/a.jpg", "127.0.0.1", "127.0.0.1"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("https://[::1]:443/", "::1", "::1"),
    ],
)
def test_accepted_urls(url: str, host: str, address: str | None) -> None:
    parsed = parse_image_url(url)
    assert parsed.host == host
    assert parsed.port == 443
    assert parsed.address == (ipaddress.ip_address(address) if address else None)


def test_port_policy_is_injectable() -> None:
    assert parse_image_url("https://images.test:8443/", port_policy=lambda port: port == 8443).port == 8443


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "HTTPS://Images.Unsplash.com:443/photo-1?w=1080&q=80#top",
            "https://images.unsplash.com/photo-1?w=1080&q=80",
        ),
        ("https://images.unsplash.com", "https://images.unsplash.com/"),
        ("https://images.unsplash.com./a/../b.jpg", "https://images.unsplash.com/b.jpg"),
        ("https://[2001:DB8::1]/x", "https://[2001:db8::1]/x"),
        ("https://example.com/a b".replace(" ", "%20"), "https://example.com/a%20b"),
    ],
)
def test_normalised_url_is_the_cache_key_form(url: str, normalised: str) -> None:
    assert normalise_image_url(parse_image_url(url)) == normalised


def test_normalised_url_keeps_a_non_default_port() -> None:
    parsed = parse_image_url("https://images.test:8443/a", port_policy=lambda _port: True)
    assert normalise_image_url(parsed) == "https://images.test:8443/a"


def test_the_allow_list() -> None:
    hosts = HostAllowList(["images.unsplash.com", "*.example.org", " Plus.Example.NET. ", ""])
    assert hosts.allows("images.unsplash.com")
    assert hosts.allows("cdn.example.org") and hosts.allows("a.b.example.org")
    assert hosts.allows("plus.example.net")
    assert not hosts.allows("example.org")  # "*." means subdomains only
    assert not hosts.allows("evilexample.org")
    assert not hosts.allows("unsplash.com")
    assert HostAllowList([]).allows("anything.example")

    with pytest.raises(ValidationFailed) as caught:
        parse_image_url("https://evil.example/", allowed_hosts=hosts)
    assert caught.value.message == "Images from this host are not allowed"

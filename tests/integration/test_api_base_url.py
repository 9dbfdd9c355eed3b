"""In AWS the API's own URL reaches the functions through an SSM parameter (template.yaml explains
why); verification e-mails link to it, and a parameter that cannot be read fails the request whole."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
import pytest

from tests.support.api import signup
from tests.support.mail import Mailbox

pytestmark = pytest.mark.usefixtures("clean")


def put_parameter(value: str) -> str:
    """What the stack's ApiBaseUrlParameter holds in AWS. A patient client of its own: moto loads its
    SSM backend on the first call, which takes seconds (longer than the service's 2 s timeout)."""
    import boto3
    from botocore.config import Config

    from describe_it.settings import get_settings

    settings = get_settings()
    ssm = boto3.session.Session(region_name=settings.aws_region).client(
        "ssm",
        endpoint_url=settings.aws_endpoint_url,
        config=Config(read_timeout=120, retries={"max_attempts": 1}),
    )
    name = f"/describe-it-test/{uuid.uuid4().hex}/api-base-url"
    ssm.put_parameter(Name=name, Value=value, Type="String")
    return name


def test_the_verification_link_points_at_the_url_in_the_parameter(
    settings_env: Callable[..., None], mailbox: Mailbox
) -> None:
    name = put_parameter("https://abc123.execute-api.us-east-1.amazonaws.com")
    settings_env(API_BASE_URL=None, API_BASE_URL_PARAMETER=name, AUTH_REQUIRE_VERIFIED_EMAIL="true")

    assert signup("maria@example.com").status == 202

    (message,) = mailbox.to("maria@example.com")
    assert "https://abc123.execute-api.us-east-1.amazonaws.com/api/auth/verify-email?token=" in message.text


def test_an_explicit_api_base_url_wins_over_the_parameter(settings_env: Callable[..., None]) -> None:
    from describe_it.settings import get_settings

    name = put_parameter("https://from-the-parameter.example")
    settings_env(API_BASE_URL="https://api.example.com", API_BASE_URL_PARAMETER=name)
    assert get_settings().api_base_url == "https://api.example.com"


def test_an_unreadable_parameter_answers_503_and_stores_nothing(
    settings_env: Callable[..., None], mailbox: Mailbox, clean
) -> None:
    put_parameter("https://another.example")  # the SSM backend is loaded: the miss is answered at once
    settings_env(
        API_BASE_URL=None,
        API_BASE_URL_PARAMETER="/describe-it-test/does-not-exist",
        AUTH_REQUIRE_VERIFIED_EMAIL="true",
    )

    reply = signup("maria@example.com")

    assert reply.status == 503
    assert reply.headers["retry-after"] == "5"
    assert "does-not-exist" not in reply.text
    assert mailbox.to("maria@example.com") == []
    with psycopg.connect(clean.admin_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM email_outbox").fetchone() == (0,)

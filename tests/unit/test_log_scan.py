"""The log scan itself (tests/support/log_scan.py): it must catch a planted secret, and never print it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.log_scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmNkZWYxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY3ODkw"


def _kinds(scanner: Scanner) -> set[tuple[str, str]]:
    return {(f.test, f.kind) for f in scanner.findings()}


def test_a_secret_is_found_raw_json_escaped_or_url_encoded() -> None:
    scanner = Scanner()
    scanner.add("test password", 'correct "horse" battery/staple')
    scanner.feed("t::raw", "log", 'user typed correct "horse" battery/staple')
    scanner.feed("t::json", "stdout call", json.dumps({"body": 'correct "horse" battery/staple'}))
    scanner.feed("t::url", "log", "GET /x?p=correct%20%22horse%22%20battery%2Fstaple")
    scanner.feed("t::clean", "log", "correct horse")
    assert _kinds(scanner) == {
        ("t::raw", "test password"),
        ("t::json", "test password"),
        ("t::url", "test password"),
    }


def test_tokens_are_found_whole_or_by_a_jwt_segment() -> None:
    scanner = Scanner()
    scanner.add("refresh token", "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5")
    scanner.add("access token", JWT)
    scanner.feed("t::refresh", "log", "token=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5&x=1")
    scanner.feed("t::signature", "log", "sig c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY3ODkw")
    scanner.feed("t::header", "log", "every ES256 token starts eyJhbGciOiJFUzI1NiJ9")  # not secret
    assert _kinds(scanner) == {("t::refresh", "refresh token"), ("t::signature", "access token")}


def test_a_pem_key_is_found_by_any_line_and_driver_texts_by_shape() -> None:
    scanner = Scanner()
    line = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg" + "A" * 16
    scanner.add_pem("JWT private key", f"-----BEGIN PRIVATE KEY-----\n{line}\n-----END PRIVATE KEY-----\n")
    scanner.feed("t::pem", "log", f"key={line[:-1]}A")
    scanner.feed(
        "t::libpq", "log", "OperationalError('connection to server at \"10.0.0.5\", port 5432 failed')"
    )
    scanner.feed(
        "t::boto", "log", "EndpointConnectionError('Could not connect to the endpoint URL: \"https://x\"')"
    )
    scanner.feed("t::dsn", "log", "dsn: host=db user=app password=hunter2")
    assert {kind for _, kind in _kinds(scanner)} == {
        "JWT private key",
        "host name (libpq error text)",
        "host name (botocore error text)",
        "connection string",
    }


def test_short_values_are_not_secrets() -> None:
    scanner = Scanner()
    scanner.add("password", "password")
    scanner.feed("t", "log", "password changed")
    assert scanner.findings() == []


PLANTED_TESTS = """
import logging

from describe_it.observability import logger
from tests.support.log_scan import register_secret

PASSWORD = "planted password 7d1c0e"
TOKEN = "cGxhbnRlZC10b2tlbi1mb3ItdGhlLWxvZy1zY2Fu"


def test_logs_it_in_an_extra_field():
    register_secret("test password", PASSWORD)
    logger.warning("sign-in failed", extra={"detail": PASSWORD})  # Powertools JSON on stdout


def test_prints_it():
    register_secret("access token", TOKEN)
    print("debug:", TOKEN)


def test_a_library_logs_it():
    register_secret("test password", PASSWORD)
    logging.getLogger("some.library").error("retrying with %s", PASSWORD)


def test_clean():
    logger.info("nothing to see")
"""


def _run_inner(tmp_path: Path, *selection: str, workers: int = 0) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_planted.py").write_text(textwrap.dedent(PLANTED_TESTS))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/common/python"), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    args = [sys.executable, "-m", "pytest", "-p", "tests.support.log_scan", "-p", "no:cacheprovider"]
    if workers:
        args += ["-n", str(workers)]  # pytest-xdist, as `make test` runs the suite
    targets = [f"test_planted.py::{name}" for name in selection] or ["test_planted.py"]
    return subprocess.run(
        [*args, "-q", "--rootdir", str(tmp_path), *targets],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("workers", [0, 2], ids=["one-process", "xdist"])
def test_the_scan_fails_a_run_that_leaks_and_names_test_and_kind_but_not_the_value(
    tmp_path: Path, workers: int
) -> None:
    """With pytest-xdist the tests log in the workers: what they find must still fail the whole run."""
    run = _run_inner(tmp_path, workers=workers)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out  # every test passed; the scan failed the run
    assert "4 passed" in out
    assert "test_planted.py::test_logs_it_in_an_extra_field [log describe-it" in out
    assert "test_planted.py::test_logs_it_in_an_extra_field [stdout call]: test password" in out
    assert "test_planted.py::test_prints_it [stdout call]: access token" in out
    assert "test_planted.py::test_a_library_logs_it [log some.library" in out
    assert "test_clean" not in out.split("secrets in the logs of this run")[1]
    assert "planted password" not in out and "cGxhbnRlZC10b2tlbi1mb3ItdGhlLWxvZy1zY2Fu" not in out


def test_the_scan_passes_a_clean_run(tmp_path: Path) -> None:
    run = _run_inner(tmp_path, "test_clean")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "secrets in the logs" not in run.stdout

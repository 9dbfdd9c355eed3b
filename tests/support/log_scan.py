"""A scan of the whole test run's logs for secrets (correction 17), as a pytest plugin.

Everything the service could write to CloudWatch is collected: every log record at INFO and above
from any logger (formatted with its extra fields and traceback), and whatever the tests' code printed
to stdout/stderr (Powertools' JSON lines among it). At the end of the session it is searched for the
secrets the run knows: the local stack's generated secrets and DSNs, host:port of its servers, every
password the service hashed or checked, every access, refresh and e-mail token it issued. Any hit
fails the run with a report naming the test, where it was seen and the kind of secret, never the value.

Tests and fixtures register secrets with ``register_secret``; the stack fixture registers the stack's.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

# Opaque tokens (refresh and e-mail tokens, JWT segments) are runs of base64url characters; they are
# looked up by set membership so that thousands of issued tokens cost nothing to check.
_RUN = re.compile(r"[A-Za-z0-9_-]{20,}")
_TOKEN_SHAPED = re.compile(r"^[A-Za-z0-9_-]{20,}$")
# Fragments that only a driver or SDK error message contains: a host or a connection string leaked,
# whatever its value.
_LEAK_PATTERNS = {
    "host name (libpq error text)": re.compile(r'connection to server (at|on socket) "'),
    "host name (botocore error text)": re.compile(r'Could not connect to the endpoint URL: "'),
    "connection string": re.compile(r"\bpassword=\S"),
}
MIN_SECRET_LENGTH = 10  # shorter strings ("password") are ordinary words in log lines
_STANDARD_RECORD_KEYS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@dataclass(frozen=True)
class Finding:
    test: str
    source: str  # "log <logger> <file>:<line>", or the captured stream: "stdout call", "stderr setup", ...
    kind: str
    module: str | None = None  # the module that logged it (log records only)

    def __str__(self) -> str:
        return f"{self.test} [{self.source}]: {self.kind}"


@dataclass
class Scanner:
    tokens: dict[str, str] = field(default_factory=dict)  # token-shaped value -> kind
    fixed: dict[str, str] = field(default_factory=dict)  # any other value (and its escaped forms) -> kind
    texts: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # test, source, module, text

    def add(self, kind: str, value: str | None) -> None:
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        if value.count(".") == 2 and all(_TOKEN_SHAPED.match(part) for part in value.split(".")[1:]):
            # A JWT: its payload and signature are unique to it (the header is shared by all).
            for part in value.split(".")[1:]:
                self.tokens.setdefault(part, kind)
            return
        if _TOKEN_SHAPED.match(value):
            self.tokens.setdefault(value, kind)
            return
        for form in (value, json.dumps(value)[1:-1], repr(value)[1:-1], quote(value, safe="")):
            self.fixed.setdefault(form, kind)

    def add_pem(self, kind: str, pem: str | None) -> None:
        """A PEM key: each line of its body is as good as the whole key."""
        for line in (pem or "").splitlines():
            if line and not line.startswith("-----"):
                self.add(kind, line)

    def feed(self, test: str, source: str, text: str, module: str | None = None) -> None:
        if text:
            self.texts.append((test, source, module, text))

    def findings(self) -> list[Finding]:
        found: set[Finding] = set()
        for test, source, module, text in self.texts:
            kinds = {self.tokens[run] for run in set(_RUN.findall(text)) if run in self.tokens}
            kinds |= {kind for value, kind in self.fixed.items() if value in text}
            kinds |= {kind for kind, pattern in _LEAK_PATTERNS.items() if pattern.search(text)}
            found |= {Finding(test, source, kind, module) for kind in kinds}
        return sorted(found, key=lambda f: (f.test, f.source, f.kind))


def format_record(record: logging.LogRecord) -> str:
    """A record as everything a handler could write: message, extra fields, traceback, stack."""
    parts = [record.getMessage()]
    parts += [f"{k}={v!r}" for k, v in record.__dict__.items() if k not in _STANDARD_RECORD_KEYS]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return " ".join(parts)


class _Collect(logging.Handler):
    def __init__(self, scanner: Scanner) -> None:
        super().__init__(level=logging.INFO)
        self.scanner = scanner
        self.test = "(collection)"

    def emit(self, record: logging.LogRecord) -> None:
        try:  # where it was logged (never what) names the place to fix
            where = f"log {record.name} {record.filename}:{record.lineno}"
            module = _module_of(record.pathname)
            self.scanner.feed(self.test, where, format_record(record), module)
        except Exception:  # a record that cannot be formatted is the test's problem, not the scan's
            self.handleError(record)


def _module_of(path: str) -> str | None:
    """``.../describe_it/runtime/revocations.py`` -> ``describe_it.runtime.revocations``."""
    parts = path.replace("\\", "/").removesuffix(".py").split("/")
    return ".".join(parts[parts.index("describe_it") :]) if "describe_it" in parts else None


_scanner: Scanner | None = None
_handler: _Collect | None = None


def register_secret(kind: str, value: str | None) -> None:
    """Make the scan look for ``value`` (no-op when the plugin is not active)."""
    if _scanner is not None:
        _scanner.add(kind, value)


def register_pem(kind: str, pem: str | None) -> None:
    if _scanner is not None:
        _scanner.add_pem(kind, pem)


def register_stack(stack: Any) -> None:
    """The local stack's generated secrets, every DSN it hands out, and where its servers listen."""
    from psycopg.conninfo import conninfo_to_dict

    for name, value in stack.secrets.items():
        if name == "jwt_private_key":
            register_pem("JWT private key", value)
        elif name.startswith("db_") and name.endswith("_password"):
            register_secret("database password", value)
        elif name == "ip_hash_secret":
            register_secret("IP hash secret", value)
    dsns = [stack.server.admin_dsn, stack.admin_dsn(), *(stack.role_dsn(r) for r in ("app", "auth", "admin"))]
    for dsn in dsns:
        register_secret("DSN", dsn)
        register_secret("database password", conninfo_to_dict(dsn).get("password"))
    host, port = stack.server.host, stack.server.port
    register_secret("host name (PostgreSQL)", f"{host}:{port}")
    register_secret("host name (PostgreSQL)", f'"{host}", port {port}')
    register_secret("host name (local AWS endpoint)", stack.local_aws.endpoint)


# --- pytest hooks -------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    global _scanner, _handler
    # Powertools filters the root handlers that exist when its Logger is built: build it first.
    import describe_it.observability  # noqa: F401

    _scanner = Scanner()
    _handler = _Collect(_scanner)
    logging.getLogger().addHandler(_handler)


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _handler is not None:
        _handler.test = nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _scanner is None:
        return
    for title, content in report.sections:
        if title.startswith(("Captured stdout", "Captured stderr")):
            _scanner.feed(report.nodeid, title.removeprefix("Captured ").strip(), content)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _scanner is None:
        return
    # Under pytest-xdist the tests (and their logs) are in the workers: each scans its own, and sends
    # what it found to the controller (``pytest_testnodedown``), whose exit status is the run's.
    findings = [str(finding) for finding in _scanner.findings()] + _from_workers
    session.config.stash[_FINDINGS] = findings
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["log_scan_findings"] = findings
    if findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: the controller hears of a finished worker
def pytest_testnodedown(node: Any, error: Any) -> None:
    _from_workers.extend(getattr(node, "workeroutput", {}).get("log_scan_findings", []))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    findings = config.stash.get(_FINDINGS, [])
    failing = findings
    if failing:
        terminalreporter.section("secrets in the logs of this run", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(failing)} finding(s); values are not shown (see tests/support/log_scan.py):"
        )
        for finding in failing:
            terminalreporter.line(f"  {finding}")


def pytest_unconfigure(config: pytest.Config) -> None:
    global _scanner, _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
    _scanner, _handler = None, None


_FINDINGS = pytest.StashKey[list[str]]()
_from_workers: list[str] = []  # the findings pytest-xdist's workers reported (controller only)


@pytest.fixture(scope="session", autouse=True)
def _record_issued_secrets() -> Iterator[None]:
    """Every password the service hashes or checks, every token it issues, is a secret for the scan."""
    from describe_it.auth import passwords, service, tokens
    from describe_it.db.seed import DEMO_PASSWORD
    from tests.support.api import STRONG_PASSWORD

    for known in (STRONG_PASSWORD, DEMO_PASSWORD):
        register_secret("password", known)
    original_normalise = passwords.normalise
    original_refresh = tokens.new_refresh_token
    original_issue = tokens.TokenIssuer.issue

    def normalise(password: str) -> str:
        register_secret("password", password)
        return original_normalise(password)

    def new_refresh_token() -> str:
        token = original_refresh()
        register_secret("refresh or e-mail token", token)
        return token

    def issue(self: tokens.TokenIssuer, *args: Any, **kwargs: Any) -> tokens.IssuedToken:
        issued = original_issue(self, *args, **kwargs)
        register_secret("access token", issued.token)
        return issued

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "normalise", normalise)
        patch.setattr(tokens, "new_refresh_token", new_refresh_token)
        patch.setattr(service, "new_refresh_token", new_refresh_token)  # imported by name there
        patch.setattr(tokens.TokenIssuer, "issue", issue)
        yield

"""Sign-in failure windows (correction 1): sliding, identical for real and unknown addresses, and no
way for a slow trickle of guesses to keep the owner out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from describe_it.auth.lockout import Attempt, Lockout, Refusal
from describe_it.aws import state_table_name
from describe_it.errors import DependencyDown
from infra.local.functions import load_function
from tests.integration.runtime.conftest import FakeClock
from tests.support.api import signin, signup
from tests.support.lambda_invoke import Reply

pytestmark = pytest.mark.usefixtures("clean")
WINDOW = 15 * 60


@pytest.fixture
def clock() -> FakeClock:
    # Whole seconds near real time (sessions it issues are ordinary); the tests step in exact halves.
    return FakeClock(float(int(time.time())))


@pytest.fixture
def service_clock(clock: FakeClock) -> Iterator[FakeClock]:
    """The sign-in function's service runs on the test's clock (the route, Mangum and all stay real)."""
    from describe_it.auth.service import AuthService, get_auth_service
    from describe_it.settings import get_settings

    app = load_function("auth_signin").app
    app.dependency_overrides[get_auth_service] = lambda: AuthService(get_settings(), clock=clock)
    yield clock
    app.dependency_overrides.pop(get_auth_service)


def wrong(email: str, ip: str, n: int = 0) -> Reply:
    return signin(email, f"wrong password {n}", source_ip=ip)


def answer(reply: Reply) -> tuple[Any, ...]:
    """Everything a caller can observe of a refusal."""
    body = reply.json
    return (
        reply.status,
        body.get("code"),
        body.get("error"),
        [d["code"] for d in body.get("details") or []],
        reply.headers.get("retry-after"),
    )


# --- the windows slide -----------------------------------------------------------------------------


def test_per_ip_failures_leave_the_window_after_exactly_15_minutes(service_clock: FakeClock) -> None:
    signup()
    ip = "198.51.100.1"
    assert [wrong("ana@example.com", ip, i).status for i in range(9)] == [401] * 9
    service_clock.advance(600)
    assert wrong("ana@example.com", ip).status == 401  # the 10th in 15 minutes
    refused = wrong("ana@example.com", ip)
    assert refused.status == 429 and refused.headers["retry-after"] == "300"
    assert refused.json["details"][0]["code"] == "auth-signin"
    assert signin(source_ip="198.51.100.2").status == 200  # another network is not affected

    service_clock.advance(299.5)
    assert wrong("ana@example.com", ip).status == 429  # the first nine are not quite 15 minutes old
    service_clock.advance(0.5)
    # Now they no longer count; the one of minute 10 still does: 9 more failures, then 429.
    assert [wrong("ana@example.com", ip, i).status for i in range(10)] == [401] * 9 + [429]
    assert signin(source_ip=ip).status == 429  # from this network, even the right password waits
    service_clock.advance(600)
    assert signin(source_ip=ip).status == 200


def test_50_failures_from_any_networks_lock_the_account_for_15_minutes(
    stack: Any, service_clock: FakeClock
) -> None:
    signup()
    for n in range(50):  # one a second, ten from each of five networks
        assert wrong("ana@example.com", f"198.51.{n // 10}.7", n).status == 401
        service_clock.advance(1)
    locked = signin(source_ip="203.0.113.99")  # a new network, the right password
    assert locked.status == 429
    assert locked.json["details"][0] == {
        "field": None,
        "message": "Account temporarily locked",
        "code": "auth",
    }
    assert int(locked.headers["retry-after"]) == WINDOW - 50  # until the first failure is 15 minutes old
    with psycopg.connect(stack.admin_dsn()) as conn:
        row = conn.execute("SELECT locked_until IS NOT NULL, failed_login_count FROM users").fetchone()
        mails = conn.execute("SELECT template FROM email_outbox").fetchall()
    assert row == (True, 50)
    assert mails == [("account_locked",)]

    service_clock.advance(WINDOW - 50)  # the first failure leaves the window: one slot is free
    assert wrong("ana@example.com", "203.0.113.1").status == 401  # a 50th failure again
    relocked = signin(source_ip="203.0.113.99")
    assert relocked.status == 429 and relocked.headers["retry-after"] == "1"
    service_clock.advance(WINDOW)
    ok = signin(source_ip="203.0.113.99")
    assert ok.status == 200, ok
    with psycopg.connect(stack.admin_dsn()) as conn:
        assert conn.execute("SELECT locked_until FROM users").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM email_outbox").fetchone() == (1,)  # mailed once


# --- real and unknown addresses are indistinguishable ------------------------------------------------


def _script() -> list[tuple[float, str]]:
    """(seconds to wait, network) for each wrong-password attempt: the per-IP window filling up and
    sliding, then enough networks to lock the address, the lock, and its decay."""
    steps: list[tuple[float, str]] = [(5, "a")] * 12  # 10 failures, then two 429s from network a
    steps += [(WINDOW - 50, "a"), (5, "a"), (60, "a")]  # the first ones slide out one by one
    steps += [(1, f"n{n}") for n in range(6) for _ in range(8)]  # 48 more networks' worth: locked
    steps += [(1, "b"), (WINDOW / 2, "b")]  # locked, with a shrinking Retry-After
    steps += [(336.5, "b"), (1, "b")]  # the oldest failure left: one more relocks at once
    steps += [(WINDOW, "c"), (30, "c")]  # a quarter of an hour of quiet and it has all decayed
    return steps


def _run(email: str, clock: FakeClock, prefix: str) -> list[tuple[Any, ...]]:
    networks: dict[str, str] = {}
    answers = []
    for i, (wait, net) in enumerate(_script()):
        clock.advance(wait)
        ip = networks.setdefault(net, f"{prefix}.{len(networks) + 1}")
        answers.append(answer(wrong(email, ip, i)))
    return answers


def test_a_real_account_and_an_unknown_address_answer_identically_at_every_step(
    service_clock: FakeClock,
) -> None:
    signup("ana@example.com")
    start = service_clock.now
    real = _run("ana@example.com", service_clock, "198.51.100")
    service_clock.now = start  # the same script, on the same clock, for an address nobody has
    unknown = _run("ghost@example.com", service_clock, "203.0.113")

    for step, (seen_real, seen_unknown) in enumerate(zip(real, unknown, strict=True)):
        assert seen_real == seen_unknown, f"step {step}: {seen_real} != {seen_unknown}"
    statuses = [a[0] for a in real]
    codes = {a[3][0] for a in real if a[0] == 429}
    assert statuses.count(401) >= 50 and codes == {"auth-signin", "auth"}  # both windows were reached
    assert statuses[-1] == 401  # and the lock decayed


# --- a slow trickle of guesses -----------------------------------------------------------------------


def test_one_guess_every_15_minutes_never_keeps_the_owner_out(service_clock: FakeClock) -> None:
    signup()
    for i in range(10):  # an opening burst from ten networks
        assert wrong("ana@example.com", f"198.51.100.{i}", i).status == 401
    for hour in range(12):  # then one guess every quarter of an hour, for three hours
        service_clock.advance(WINDOW)
        assert wrong("ana@example.com", "198.51.100.200", hour).status == 401
        owner = signin(source_ip="203.0.113.5")
        assert owner.status == 200, f"after guess {hour}: {owner}"


# --- the log itself: atomic under concurrency, fail closed -------------------------------------------


def test_of_30_concurrent_attempts_from_one_network_exactly_10_are_admitted(
    per_thread_clients: Callable[[], Any], clock: FakeClock
) -> None:
    start = threading.Barrier(30)

    def attempt(_: int) -> Attempt | Refusal:
        lockout = Lockout(per_thread_clients, clock=clock)
        per_thread_clients()  # connect before the race, so the race is between attempts
        start.wait()
        return lockout.begin("concurrent-address", "ip:one")

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(attempt, range(30)))

    admitted = [o for o in outcomes if isinstance(o, Attempt)]
    assert len(admitted) == 10
    assert len({o.pair.slot for o in admitted}) == 10
    assert all(
        isinstance(o, Refusal) and o.window.name == "auth-signin" for o in outcomes if o not in admitted
    )


def test_of_60_concurrent_attempts_from_six_networks_exactly_50_are_admitted(
    per_thread_clients: Callable[[], Any], clock: FakeClock
) -> None:
    start = threading.Barrier(60)

    def attempt(n: int) -> Attempt | Refusal:
        lockout = Lockout(per_thread_clients, clock=clock)
        per_thread_clients()
        start.wait()
        return lockout.begin("crowded-address", f"ip:{n % 6}")

    with ThreadPoolExecutor(max_workers=60) as pool:
        outcomes = list(pool.map(attempt, range(60)))

    admitted = [o for o in outcomes if isinstance(o, Attempt)]
    assert len(admitted) == 50
    assert sorted(o.address.live for o in admitted) == list(range(1, 51))
    assert sum(o.fills_window for o in admitted) == 1  # exactly one attempt can start the lock


def test_a_released_attempt_is_not_a_failure(dynamodb: Any, clock: FakeClock) -> None:
    lockout = Lockout(lambda: dynamodb, clock=clock)
    for _ in range(25):
        attempt = lockout.begin("careful-address", "ip:home")
        assert isinstance(attempt, Attempt)
        lockout.release(attempt)
    assert isinstance(lockout.begin("careful-address", "ip:home"), Attempt)


def test_without_dynamodb_sign_in_attempts_are_refused(
    dead_client: Callable[[], Any], clock: FakeClock
) -> None:
    with pytest.raises(DependencyDown) as raised:
        Lockout(dead_client, clock=clock).begin("any-address", "ip:any")
    assert raised.value.status == 503


class LostAnswers:
    """A DynamoDB client whose first conditional write lands but loses its answer, so the SDK sends
    it again (what botocore's retry does after a read timeout), and the retry's condition fails."""

    def __init__(self, real: Any) -> None:
        self.real, self.lost = real, 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def update_item(self, **kwargs: Any) -> Any:
        if self.lost and "ConditionExpression" in kwargs and kwargs["UpdateExpression"].startswith("SET"):
            self.lost -= 1
            self.real.update_item(**kwargs)
        return self.real.update_item(**kwargs)


def test_a_claim_whose_answer_was_lost_is_still_one_claim(dynamodb: Any, clock: FakeClock) -> None:
    flaky = LostAnswers(dynamodb)
    attempt = Lockout(lambda: flaky, clock=clock).begin("retried-address", "ip:slow")
    assert isinstance(attempt, Attempt)
    assert (attempt.pair.live, attempt.address.live) == (1, 1)
    item = dynamodb.get_item(TableName=state_table_name(), Key={"pk": {"S": attempt.pair.pk}})["Item"]
    assert [name for name in item if name.startswith("s")] == [attempt.pair.slot]

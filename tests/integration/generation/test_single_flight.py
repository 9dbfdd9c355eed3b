"""Concurrent identical misses single-flight (spec §5.1): one model call per language for N callers, who
all get the one result; a holder that fails leaves the waiters to generate themselves. Real threads
against the local stack (moto serialises requests like DynamoDB's conditional writes)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.generation.conftest import generate, model_calls, request_body
from tests.support.fake_anthropic import FakeAnthropic, Reply

CALLERS = 6


def run_concurrently(count: int, body: dict[str, Any]) -> list[Any]:
    from infra.local.functions import load_function

    load_function("descriptions_generate")  # imported once, before the threads race to import it
    start = threading.Barrier(count)

    def one(_: int) -> Any:
        asyncio.set_event_loop(asyncio.new_event_loop())  # Mangum runs the app on the thread's loop
        start.wait()
        return generate(body)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_identical_concurrent_misses_make_one_model_call_per_language(claude: FakeAnthropic) -> None:
    # The model's answers are held until both languages were asked for: the other callers meanwhile
    # find the locks taken (and wait) or, arriving later, the cached result. Either way: no call.
    arrived, release = threading.Semaphore(0), threading.Event()

    def hold() -> None:
        arrived.release()
        release.wait(10)

    claude.default = dataclasses.replace(Reply.message("The one description."), before=hold)
    body = request_body(maxLength=70)
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.extend(run_concurrently(CALLERS, body)))
    runner.start()
    assert arrived.acquire(timeout=20) and arrived.acquire(timeout=20)
    release.set()
    runner.join(60)

    assert [r.status for r in results] == [200] * CALLERS, results
    assert model_calls(claude) == 2  # one per language, for all the callers
    contents = {tuple(e["content"] for e in r.data) for r in results}
    assert contents == {("The one description.", "The one description.")}
    generated = [r for r in results if not r.data[0]["cached"]]
    assert len(generated) == 1  # the holder; everyone else was answered from its result


def test_waiters_take_over_when_the_holder_fails(claude: FakeAnthropic) -> None:
    arrived, gate = threading.Semaphore(0), threading.Event()

    def hold() -> None:
        arrived.release()
        gate.wait(10)

    # The holder's two calls fail (not cached); the waiters then find no lock and no value.
    failures = iter([Reply.server_error(), Reply.server_error()])
    lock = threading.Lock()

    def choose(_: dict[str, Any]) -> Reply | None:
        with lock:
            reply = next(failures, None)
        if reply is None:
            return Reply.message("Generated after the takeover.")
        return dataclasses.replace(reply, before=hold)

    claude.choose = choose
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.extend(run_concurrently(3, request_body(maxLength=71))))
    runner.start()
    assert arrived.acquire(timeout=20) and arrived.acquire(timeout=20)
    gate.set()
    runner.join(60)

    statuses = sorted(r.status for r in results)
    assert statuses.count(502) <= 1 and statuses.count(200) >= 2, results  # the holder's own 502 at most
    assert all(r.status != 500 for r in results)


def test_a_result_written_between_the_lookup_and_the_lock_is_not_generated_again(
    claude: FakeAnthropic,
) -> None:
    """A holder that finishes after our cache lookup but before our lock: we must read its result."""
    from describe_it.generation import service as generation
    from describe_it.generation.cache import CachedDescription
    from describe_it.runtime.cache import get_cache
    from describe_it.runtime.locks import Lock, SingleFlightLocks
    from infra.local.functions import load_function

    class HolderFinishesFirst(SingleFlightLocks):
        def acquire(self, key: str, ttl_s: int = 30) -> Lock | None:
            held = CachedDescription(
                "Written by the holder.", 4, "claude-sonnet-4-6", "anthropic", time.time()
            )
            get_cache().put(key, held.to_json(), 3600)  # ...and released its lock just now
            return super().acquire(key, ttl_s)

    service = generation.get_generation_service()
    service._locks = HolderFinishesFirst()
    app = load_function("descriptions_generate").app
    app.dependency_overrides[generation.get_generation_service] = lambda: service
    try:
        reply = generate(request_body(maxLength=72))
    finally:
        app.dependency_overrides.clear()
    assert reply.status == 200, reply
    assert [e["content"] for e in reply.data] == ["Written by the holder."] * 2
    assert [e["cached"] for e in reply.data] == [True, True]
    assert model_calls(claude) == 0

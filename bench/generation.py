"""`python -m bench.generation`: the figures of POST /api/descriptions/generate (issue 8), in one run.

Everything goes through the generation function's Lambda handler (Mangum, in-process, payload-2.0 events),
the real workflow file on the local runner with the real describe_language handler, the real SDK against
the fake Messages API (tests/support/fake_anthropic.py) at 2.0 s per call, PostgreSQL and moto:

1. one model call alone (the provider, no route) vs one two-language generation (cache bypassed);
2. 100 concurrent generations (100 threads invoking the handler at once, distinct requests: all misses);
3. a warm cache hit (the same request again, in one process);
4. tokens per description (what the workflow's branches report);
5. the share of model calls the cache saves in a replay of a request mix with repeats: 1,000 requests
   over 60 images with Zipf(1.1) popularity, 3 styles, 2 lengths (fake at 0 s: only calls are counted).

Prints a Markdown table; copy it into bench/RESULTS.md with the machine and the date.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from infra.local import stack as local_stack
from infra.local.functions import LambdaContext, load_function
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.images import solid
from tests.support.lambda_invoke import http_event

CALL_S = 2.0
CONCURRENT = 100
REPLAY = 1000
IMAGES = 60
ZIPF_S = 1.1
STYLES = ("narrativo", "poetico", "infantil")
LENGTHS = (120, 200)
TEXT = (
    "A wide sandy beach stretches under a clear blue sky. Small waves roll onto the shore and leave thin "
    "lines of foam. Two palm trees lean toward the water, and their shadows fall across the warm sand. "
    "Far away, a white sailboat moves slowly along the horizon. The scene feels calm and bright, like "
    "the first hour of a summer holiday, when everything is quiet and the air smells of salt."
)
BEACH = "https://demo-images.describe-it.invalid/beach.jpg"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def invoke(body: dict[str, Any], ip: str) -> tuple[int, dict[str, Any], float]:
    handler = load_function("descriptions_generate").lambda_handler
    event = http_event("POST", "/api/descriptions/generate", body=body, source_ip=ip)
    started = time.perf_counter()
    reply = handler(event, LambdaContext())
    took = (time.perf_counter() - started) * 1000
    return reply["statusCode"], json.loads(reply["body"]), took


def one_call_ms(fake: FakeAnthropic) -> float:
    from describe_it.ai.factory import provider_for
    from describe_it.ai.keys import server_key
    from describe_it.ai.provider import Deadline, DescribeRequest, ImageInput
    from describe_it.images.demo import load_demo_images

    image = load_demo_images()[0]
    provider = provider_for(server_key())
    request = DescribeRequest(ImageInput(image.data, "image/jpeg"), "en", "narrativo", 120)
    started = time.perf_counter()
    provider.describe_image(request, Deadline(time.time() + 25))
    return (time.perf_counter() - started) * 1000


def main() -> int:
    saved = dict(os.environ)
    running = local_stack.start("describeit_bench_generation", fresh=True)
    results: dict[str, Any] = {}
    try:
        with FakeAnthropic() as fake:
            local_stack.export(
                {
                    **running.env,
                    "ANTHROPIC_BASE_URL": fake.base_url,
                    "ANTHROPIC_API_KEY": fake.api_key,
                    "AI_DAILY_TOKEN_BUDGET": "0",  # the replay alone would spend the default day
                }
            )
            fake.default = Reply.message(TEXT).after(CALL_S)
            load_function("descriptions_generate")
            import anthropic  # noqa: F401 - warm: the SDK import is a cold-start cost, measured elsewhere

            invoke({"imageUrl": BEACH, "style": "narrativo", "maxLength": 119}, "198.18.0.1")

            # 1. one call vs one two-language generation
            single = [one_call_ms(fake) for _ in range(3)]
            double = []
            for i in range(3):
                status, _, took = invoke(
                    {
                        "imageUrl": BEACH,
                        "style": "narrativo",
                        "maxLength": 120,
                        "fresh": True,
                    },
                    f"198.18.1.{i}",
                )
                assert status == 200, status
                double.append(took)
            results["one_call_ms"] = statistics.median(single)
            results["two_languages_ms"] = statistics.median(double)
            results["ratio"] = results["two_languages_ms"] / results["one_call_ms"]

            # 2. 100 concurrent generations
            start = threading.Barrier(CONCURRENT)

            def one(i: int) -> tuple[int, float]:
                asyncio.set_event_loop(asyncio.new_event_loop())
                start.wait()
                body = {"imageUrl": BEACH, "style": "creativo", "maxLength": 300 + i}
                status, _, took = invoke(body, f"198.18.{10 + i // 200}.{i % 200}")  # a guest each: 5/h
                return status, took

            wall = time.perf_counter()
            with ThreadPoolExecutor(CONCURRENT) as pool:
                outcomes = list(pool.map(one, range(CONCURRENT)))
            wall_s = time.perf_counter() - wall
            ok = [took for status, took in outcomes if status == 200]
            every = [took for _, took in outcomes]
            results["concurrent"] = {
                "success": len(ok) / CONCURRENT,
                "p50_ms": percentile(ok, 50),
                "p99_ms": percentile(ok, 99),
                "wall_s": wall_s,
                "p50_all_ms": percentile(every, 50),
                "statuses": sorted({status for status, _ in outcomes}),
            }

            # 3. warm cache hit
            hit_body = {"imageUrl": BEACH, "style": "narrativo", "maxLength": 120}
            hits = []
            for n in range(200):
                status, body, took = invoke(hit_body, f"198.18.3.{n % 50}")  # under the burst limit
                assert status == 200, body
                assert body["data"][0]["cached"], body
                hits.append(took)
            results["hit_p50_ms"] = percentile(hits, 50)
            results["burst_write_ms"] = burst_write_ms()
            results["hit_p99_ms"] = percentile(hits, 99)

            # 4. tokens per description: the branches' usage of the generations above
            tokens = token_usage()
            results["tokens"] = tokens

            # 5. replay of a request mix with repeats
            fake.default = Reply.message(TEXT)
            results["replay"] = replay(fake)
    finally:
        running.stop()
        os.environ.clear()
        os.environ.update(saved)
    print_table(results)
    return 0


def burst_write_ms() -> float:
    """What every route pays before its handler here: the burst limit's one UpdateItem, on moto."""
    from describe_it.runtime.limits import rules_for
    from describe_it.runtime.rate_limit import get_rate_limiter

    rule = rules_for("burst", "guest")
    assert rule is not None
    took = []
    for n in range(200):
        started = time.perf_counter()
        get_rate_limiter().hit(f"ip:bench-{n % 50}", [rule], fail_open=True)
        took.append((time.perf_counter() - started) * 1000)
    return percentile(took, 50)


def token_usage() -> dict[str, float]:
    """Describe the beach once more through the workflow and read the branches' reported usage."""
    from describe_it.generation import service
    from describe_it.generation.workflow import workflow_for

    seen: list[Any] = []

    def recording(timeout_s: float) -> Any:
        workflow = workflow_for(timeout_s)
        real = workflow.run

        def run(workflow_input: dict[str, Any], languages: Any) -> Any:
            out = real(workflow_input, languages)
            seen.extend(out.values())
            return out

        workflow.run = run  # type: ignore[method-assign]
        return workflow

    generation = service.get_generation_service()
    generation._workflow_for = recording
    from describe_it.generation.models import GenerateRequest
    from describe_it.identity import guest

    request = GenerateRequest.model_validate(
        {"imageUrl": BEACH, "style": "narrativo", "maxLength": 120, "fresh": True}
    )
    generation.generate(guest("198.18.4.1", "x"), request)
    inputs = [r.input_tokens for r in seen if r.ok]
    outputs = [r.output_tokens for r in seen if r.ok]
    return {"input": statistics.mean(inputs), "output": statistics.mean(outputs), "words": 80}


def replay(fake: FakeAnthropic) -> dict[str, Any]:
    rng = random.Random(8)
    images = [
        "data:image/png;base64,"
        + base64.b64encode(solid("image/png", (64, 48), (rng.randrange(256), rng.randrange(256), i))).decode()
        for i in range(IMAGES)
    ]
    weights = [1 / (rank**ZIPF_S) for rank in range(1, IMAGES + 1)]
    before = len(fake.requests)
    combos = set()
    statuses: dict[int, int] = {}
    for n in range(REPLAY):
        image = rng.choices(range(IMAGES), weights)[0]
        style, length = rng.choice(STYLES), rng.choice(LENGTHS)
        combos.add((image, style, length))
        body = {"imageUrl": images[image], "style": style, "maxLength": length}
        status, _, _ = invoke(body, f"198.19.{n // 250}.{n % 250}")  # guests: each under 5/h
        statuses[status] = statuses.get(status, 0) + 1
    calls = len(fake.requests) - before
    return {
        "requests": REPLAY,
        "distinct": len(combos),
        "model_calls": calls,
        "without_cache": 2 * REPLAY,
        "saved": 1 - calls / (2 * REPLAY),
        "statuses": statuses,
    }


def print_table(r: dict[str, Any]) -> None:
    c, t, p = r["concurrent"], r["tokens"], r["replay"]
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| figure | value | target |\n| --- | ---: | --- |")
    print(f"| one model call (fake at {CALL_S} s), median of 3 | {r['one_call_ms']:.0f} ms | |")
    print(
        f"| two-language generation (route, cache bypassed), median of 3 | {r['two_languages_ms']:.0f} ms | |"
    )
    print(f"| ratio two languages / one call | **{r['ratio']:.3f}** | ≤ 1.15 |")
    print(f"| {CONCURRENT} concurrent generations: success | **{c['success']:.0%}** | ≥ 99 % |")
    print(f"| … p50 / p99 | {c['p50_ms']:.0f} / {c['p99_ms']:.0f} ms (wall {c['wall_s']:.1f} s) | |")
    print(
        f"| warm cache hit p50 / p99 (200 requests) | **{r['hit_p50_ms']:.1f}** / {r['hit_p99_ms']:.1f} ms | ≤ 20 ms |"
    )
    print(f"| … of which the burst limit's DynamoDB write on moto (p50) | {r['burst_write_ms']:.1f} ms | |")
    print(
        f"| tokens per description (one language, ~80 words) | {t['input']:.0f} in + {t['output']:.0f} out | |"
    )
    print(
        f"| replay: {p['requests']} requests, {p['distinct']} distinct, model calls | {p['model_calls']} of "
        f"{p['without_cache']} | |"
    )
    print(f"| … model calls saved by the cache | **{p['saved']:.1%}** | |")
    print(f"statuses: concurrent {c['statuses']}, replay {p['statuses']}")


if __name__ == "__main__":
    raise SystemExit(main())

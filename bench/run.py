"""`make bench`: cold starts of every function and warm latency through Mangum; writes bench/results.json.

Cold start = a fresh interpreter that imports the function's app and serves its first request
(median of RUNS), beside the bare import of the third-party packages that request loaded, measured
the same way. Warm = WARM_CALLS invocations of one handler in one process. Copy the printed table
into bench/RESULTS.md with the machine and the date.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.build_layout import Layout
from bench.build_layout import build as build_layout
from infra.local import stack as local_stack
from infra.local.functions import LambdaContext, load_function, names
from tests.support.lambda_invoke import EVENTS, http_event

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "1000"))
PASSWORD = "correct horse battery staple"
SKIP = {"migrate"}  # a CloudFormation custom resource: its cost is the migrations, not the handler
# BENCH_FUNCTIONS=auth_me,settings narrows the cold-start table (every function takes minutes);
# BENCH_MODES=tree,build,build+init picks the layouts (the source tree; what `sam build` ships; the
# same with Lambda's init-phase warm-up).
FUNCTIONS_UNDER_TEST = [
    f for f in (os.environ.get("BENCH_FUNCTIONS") or ",".join(names())).split(",") if f and f not in SKIP
]
MODES = os.environ.get("BENCH_MODES", "tree,build,build+init").split(",")


def _signin(email: str, ip: str) -> dict[str, Any]:
    reply = load_function("auth_signin").lambda_handler(
        http_event("POST", "/api/auth/signin", body={"email": email, "password": PASSWORD}, source_ip=ip),
        LambdaContext(),
    )
    body = json.loads(reply["body"])
    if not body.get("success"):
        raise SystemExit(f"bench sign-in failed: {body}")
    return body["data"]["session"]  # type: ignore[no-any-return]


def _user_token(index: int) -> str:
    email = f"warm-{index}@example.com"
    load_function("auth_signup").lambda_handler(
        http_event(
            "POST",
            "/api/auth/signup",
            body={"email": email, "password": PASSWORD},
            source_ip=f"198.20.0.{index + 1}",
        ),
        LambdaContext(),
    )
    return str(_signin(email, f"198.20.1.{index + 1}")["access_token"])


def event_for(function: str, run: int, email: str) -> dict[str, Any]:
    ip = f"198.18.{names().index(function)}.{run + 1}"  # per function and run: limits count per address
    if function == "auth_signup":
        body = {"email": f"bench-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
        return http_event("POST", "/api/auth/signup", body=body, source_ip=ip)
    if function == "auth_signin":
        return http_event(
            "POST", "/api/auth/signin", body={"email": email, "password": PASSWORD}, source_ip=ip
        )
    if function == "auth_refresh":
        token = _signin(email, ip)["refresh_token"]
        return http_event("POST", "/api/auth/refresh", body={"refreshToken": token}, source_ip=ip)
    if function in ("auth_me", "auth_signout"):
        access = _signin(email, ip)["access_token"]
        method, path = ("GET", "/api/auth/me") if function == "auth_me" else ("POST", "/api/auth/signout")
        return http_event(
            method,
            path,
            body={} if method == "POST" else None,
            headers={"authorization": f"Bearer {access}"},
            source_ip=ip,
        )
    if function == "auth_update_password":  # changes the password: a user of its own per run
        own = f"pw-{run}-{uuid.uuid4().hex[:6]}@example.com"
        load_function("auth_signup").lambda_handler(
            http_event("POST", "/api/auth/signup", body={"email": own, "password": PASSWORD}, source_ip=ip),
            LambdaContext(),
        )
        access = _signin(own, ip)["access_token"]
        body = {"currentPassword": PASSWORD, "newPassword": PASSWORD + " v2"}
        return http_event(
            "PUT",
            "/api/auth/update-password",
            body=body,
            headers={"authorization": f"Bearer {access}"},
            source_ip=ip,
        )
    if function == "fallback":
        return http_event("GET", "/api/no-such-route", source_ip=ip)
    cases = sorted((EVENTS / function).glob("*.json"))
    if not cases:
        raise SystemExit(f"no event for {function}")
    text = cases[0].read_text()
    if "Bearer PLACEHOLDER" in text:  # a real session, so the first request does the real work
        text = text.replace("Bearer PLACEHOLDER", f"Bearer {_signin(email, ip)['access_token']}")
    event: dict[str, Any] = json.loads(text)
    if "requestContext" in event:  # a fresh client address per run, so rate limits stay out of the way
        event["requestContext"]["http"]["sourceIp"] = ip
    body = json.loads(event["body"]) if event.get("body") else None
    if isinstance(body, dict) and "email" in body:  # per-address limits too (3/h for e-mail flows)
        body["email"] = f"run{run}-{body['email']}"
        event["body"] = json.dumps(body)
        event["headers"].pop("content-length", None)
    return event


@dataclass(frozen=True)
class Mode:
    """Where a cold start loads the code from: the source tree, or what `sam build` ships."""

    name: str
    layout: Layout | None = None
    lambda_init: bool = False  # as in Lambda: make_handler prepares clients at init (http/warmup.py)

    def command(self, function: str) -> tuple[list[str], dict[str, str]]:
        extra = {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"} if self.lambda_init else {}
        if self.layout is None:
            return [sys.executable, "-m", "bench.cold_start_probe"], extra
        # -S: no site-packages of this machine; PYTHONPATH in the Lambda runtime's order.
        probe_file = str(ROOT / "bench" / "cold_start_probe.py")
        return [sys.executable, "-S", probe_file], {**extra, "PYTHONPATH": self.layout.python_path(function)}


def probe(mode: Mode, function: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    command, extra = mode.command(function)
    flags = ["--layout"] if mode.layout else []
    out = subprocess.run(
        [*command, function, *args, *flags],
        capture_output=True,
        text=True,
        env={**env, **extra},
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _summary(
    function: str, mode: Mode, runs: list[dict[str, Any]], bare: list[dict[str, Any]]
) -> dict[str, Any]:
    cold = statistics.median(r["cold_ms"] for r in runs)
    floor = statistics.median(b["import_ms"] for b in bare)
    cold_cpu = statistics.median(r["cold_cpu_ms"] for r in runs)
    floor_cpu = statistics.median(b["cpu_ms"] for b in bare)
    return {
        "function": function,
        "mode": mode.name,
        "status": runs[-1]["status"],
        "import_ms": round(statistics.median(r["import_ms"] for r in runs), 1),
        "first_request_ms": round(statistics.median(r["first_request_ms"] for r in runs), 1),
        "cold_ms": round(cold, 1),
        "cold_p90_ms": round(sorted(r["cold_ms"] for r in runs)[max(0, math.ceil(len(runs) * 0.9) - 1)], 1),
        "bare_third_party_ms": round(floor, 1),
        "own_code_ms": round(cold - floor, 1),
        "import_cpu_ms": round(statistics.median(r["import_cpu_ms"] for r in runs), 1),
        "cold_cpu_ms": round(cold_cpu, 1),
        "bare_cpu_ms": round(floor_cpu, 1),
        "own_cpu_ms": round(cold_cpu - floor_cpu, 1),
    }


def cold_starts(env: dict[str, str], email: str, modes: list[Mode]) -> list[dict[str, Any]]:
    """Every mode of a function is measured in the same loop, run after run, so they share the noise."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for function in FUNCTIONS_UNDER_TEST:
            results: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
                m.name: ([], []) for m in modes
            }
            for run in range(RUNS):
                for index, mode in enumerate(modes):
                    path = Path(tmp) / f"{function}-{mode.name}-{run}.json"
                    path.write_text(json.dumps(event_for(function, run * len(modes) + index, email)))
                    result = probe(mode, function, [str(path)], env)
                    if mode.layout and not result["loaded_from"].startswith(str(mode.layout.functions)):
                        raise SystemExit(
                            f"{function} was not loaded from the layout: {result['loaded_from']}"
                        )
                    runs, bare = results[mode.name]
                    runs.append(result)
                    bare.append(
                        probe(mode, function, [str(path), "--bare", json.dumps(result["third_party"])], env)
                    )
            for mode in modes:
                rows.append(_summary(function, mode, *results[mode.name]))
                print(rows[-1], flush=True)
    return rows


def warm(function: str, make_event: Any, variant: str = "") -> dict[str, Any]:
    handler = load_function(function).lambda_handler
    context = LambdaContext()
    for _ in range(20):
        handler(make_event(), context)
    timings = []
    for _ in range(WARM_CALLS):
        event = make_event()
        started = time.perf_counter()
        response = handler(event, context)
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200, response
    return _latency(function + variant, timings)


def _latency(name: str, timings: list[float]) -> dict[str, Any]:
    timings = sorted(timings)
    return {
        "function": name,
        "calls": len(timings),
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[max(0, math.ceil(len(timings) * 0.99) - 1)], 3),
    }


def warm_charge_before_after(make_event: Any, blocks: int = 10) -> list[dict[str, Any]]:
    """Warm ``GET /api/auth/me`` with the read's charge before its work (as before) and beside it,
    in alternating blocks of one process, so both see the same machine."""
    from describe_it.http import guards

    overlapping = guards.overlaps_charge
    handler = load_function("auth_me").lambda_handler
    context = LambdaContext()
    for _ in range(20):
        handler(make_event(), context)
    timings: dict[str, list[float]] = {"charged before": [], "charged beside": []}
    per_block = max(1, WARM_CALLS // blocks)
    try:
        for _ in range(blocks):
            for variant in timings:
                guards.overlaps_charge = overlapping if variant == "charged beside" else (lambda *_: False)  # type: ignore[assignment]
                for _ in range(per_block):
                    event = make_event()
                    started = time.perf_counter()
                    response = handler(event, context)
                    timings[variant].append((time.perf_counter() - started) * 1000)
                    assert response["statusCode"] == 200, response
    finally:
        guards.overlaps_charge = overlapping  # type: ignore[assignment]
    return [_latency(f"auth_me ({variant})", values) for variant, values in timings.items()]


def auth_figures(email: str) -> dict[str, Any]:
    """Issue 3's figures: sign-in through Mangum (argon2id dominates) and access-token verification."""
    from describe_it.auth.passwords import hash_password, verify_password
    from describe_it.auth.tokens import get_token_verifier

    stored = hash_password(PASSWORD)
    argon = []
    for _ in range(30):
        started = time.perf_counter()
        verify_password(stored, PASSWORD)
        argon.append((time.perf_counter() - started) * 1000)
    handler = load_function("auth_signin").lambda_handler
    signin = []
    for i in range(50):  # a new client address each time: the per-IP sign-in limit is 10 per 15 min
        event = http_event(
            "POST",
            "/api/auth/signin",
            body={"email": email, "password": PASSWORD},
            source_ip=f"198.21.{i // 200}.{i % 200 + 1}",
        )
        started = time.perf_counter()
        reply = handler(event, LambdaContext())
        signin.append((time.perf_counter() - started) * 1000)
        assert reply["statusCode"] == 200, reply
    token = _signin(email, "198.21.9.9")["access_token"]
    verifier = get_token_verifier()
    verifier.verify(token)  # warm the revocation cache, as a warm function has it
    verify = []
    for _ in range(10_000):
        started = time.perf_counter()
        verifier.verify(token)
        verify.append((time.perf_counter() - started) * 1000)
    return {
        "argon2id_verify_median_ms": round(statistics.median(argon), 2),
        "signin_median_ms": round(statistics.median(signin), 2),
        "signin_p99_ms": round(sorted(signin)[int(len(signin) * 0.99) - 1], 2),
        "verify_token_median_ms": round(statistics.median(verify), 4),
        "verify_token_p99_ms": round(sorted(verify)[int(len(verify) * 0.99) - 1], 4),
    }


def main() -> int:
    running = local_stack.start("describeit_bench", fresh=True)
    # No provider is reachable from here: point them at a closed loopback port (an honest 502).
    closed = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "UNSPLASH_BASE_URL": "http://127.0.0.1:9"}
    env = {**os.environ, **running.env, **closed, "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}"}
    local_stack.export({**running.env, **closed})
    try:
        email = "bench@example.com"
        signup = load_function("auth_signup").lambda_handler(
            http_event(
                "POST",
                "/api/auth/signup",
                body={"email": email, "password": PASSWORD},
                source_ip="198.19.0.1",
            ),
            LambdaContext(),
        )
        assert signup["statusCode"] == 201, signup
        layout = build_layout() if any(name.startswith("build") for name in MODES) else None
        modes = [
            Mode(name, layout if name.startswith("build") else None, lambda_init=name.endswith("+init"))
            for name in MODES
        ]
        cold = cold_starts(env, email, modes)
        # Several users, so 1,000 calls in a minute stay under one user's burst limit (240/min).
        tokens = itertools.cycle([_user_token(i) for i in range(2 * WARM_CALLS // 150 + 1)])
        calls = itertools.count()
        warm_rows = [
            warm("health", lambda: http_event("GET", "/api/health")),
            # A client address per call as well: a signed-in request is charged to its IP first (burst-ip).
            *warm_charge_before_after(
                lambda: http_event(
                    "GET",
                    "/api/auth/me",
                    headers={"authorization": f"Bearer {next(tokens)}"},
                    source_ip=f"198.22.{(n := next(calls)) // 250 % 250}.{n % 250 + 1}",
                )
            ),
        ]
        for row in warm_rows:
            print(row, flush=True)
        auth = auth_figures(email) if os.environ.get("BENCH_AUTH", "1") == "1" else {}
        print(auth, flush=True)
        results = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
            "runs": RUNS,
            "cold": cold,
            "warm": warm_rows,
            "auth": auth,
        }
        (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

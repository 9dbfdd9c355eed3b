"""Q&A, phrases and translation against the fake Messages API at 2.0 s per call (issue 10's figures).

    .venv/bin/python -m bench.text_routes      # about two minutes; prints the figures as JSON lines

Warm: each route's median over RUNS requests that miss the cache, beside the median of one bare model
call (``ClaudeProvider.generate_json`` on the same fake); target route ≤ 1.1 × one call. Cache hits:
HITS repeated requests (median, p99; target ≤ 20 ms). A batch of 50 translations: its time and how many
calls the fake received (the test suite asserts the one call; this only reports it). Cold start: a fresh
interpreter importing each function and serving one request (fake without delay), beside a fresh
interpreter importing the anthropic SDK alone. Every request comes from its own client address, so the
guests' ai-text limits never interfere.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from infra.local import stack as local_stack
from infra.local.functions import LambdaContext, load_function
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.lambda_invoke import http_event

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
HITS = int(os.environ.get("BENCH_HITS", "200"))
DELAY_S = 2.0
TEXT = (
    "En la playa hay una familia feliz. El niño pequeño construye un castillo de arena cerca del agua. "
    "Su madre lee un libro bajo una sombrilla roja."
)
QUESTIONS = {
    "questions": [
        {"question": f"¿Pregunta {n}?", "answer": f"Respuesta {n}", "difficulty": level,
         "category": "Comprensión", "distractors": [f"Mal {n}a", f"Mal {n}b", f"Mal {n}c"]}
        for n, level in enumerate(["facil", "facil", "medio", "medio", "dificil"])
    ]
}  # fmt: skip
PHRASES = {
    "phrases": [
        {"phrase": word, "lemma": word, "translation": "t", "definition": "d", "partOfSpeech": "noun",
         "difficulty": "beginner", "context": sentence, "category": "sustantivos", "gender": "femenino",
         "article": "la", "conjugation": None}
        for word, sentence in [("playa", "En la playa hay una familia feliz."),
                               ("sombrilla", "Su madre lee un libro bajo una sombrilla roja.")]
    ]
}  # fmt: skip
TRANSLATIONS = {
    "detectedLanguage": "es",
    "translations": [{"index": i, "translation": f"text {i}", "confidence": 0.9} for i in range(50)],
}
_ips = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def post(function: str, path: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    handler = load_function(function).lambda_handler
    event = http_event("POST", path, body=body, source_ip=next(_ips))
    started = time.perf_counter()
    response = handler(event, LambdaContext())
    elapsed = (time.perf_counter() - started) * 1000
    if response["statusCode"] != 200:
        raise SystemExit(f"{path}: {response['statusCode']} {response['body'][:300]}")
    return elapsed, json.loads(response["body"])["data"]


ROUTES: dict[str, tuple[str, str, Any, Any]] = {
    # name: (function, path, body for run n, fake reply)
    "qa": ("qa_generate", "/api/qa/generate", lambda n: {"description": f"{TEXT} Texto {n}.", "count": 5},
           Reply.json(QUESTIONS)),
    "phrases": ("phrases_extract", "/api/phrases/extract", lambda n: {"descriptionText": f"{TEXT} Texto {n}."},
                Reply.json(PHRASES)),
    "translate": ("translate", "/api/translate", lambda n: {"text": f"texto número {n}", "targetLanguage": "en"},
                  Reply.json(TRANSLATIONS)),
}  # fmt: skip


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] if len(ordered) >= 100 else ordered[-1]
    return {"median_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2)}


def bare_model_call(fake: FakeAnthropic) -> dict[str, float]:
    from describe_it.ai.factory import provider_for
    from describe_it.ai.keys import server_key
    from describe_it.ai.provider import Deadline, JsonRequest
    from describe_it.textai.translate_models import DraftTranslations

    fake.default = Reply.json(TRANSLATIONS).after(DELAY_S)
    provider = provider_for(server_key())
    request = JsonRequest("bench", "Translate.", "uno", DraftTranslations, 256)
    provider.generate_json(request, Deadline(time.time() + 25))  # warm: client and connection
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        provider.generate_json(request, Deadline(time.time() + 25))
        timings.append((time.perf_counter() - started) * 1000)
    return summary(timings)


def warm_routes(fake: FakeAnthropic) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (function, path, body, reply) in ROUTES.items():
        fake.default = reply.after(DELAY_S)
        post(function, path, body(-1))  # warm-up: imports, clients, connections
        misses = [post(function, path, body(n))[0] for n in range(RUNS)]
        hits = [post(function, path, body(0))[0] for _ in range(HITS)]
        out[name] = {"miss": summary(misses), "hit": summary(hits)}
        print(name, out[name], flush=True)
    return out


def batch(fake: FakeAnthropic) -> dict[str, Any]:
    fake.default = Reply.json(TRANSLATIONS).after(DELAY_S)
    timings, calls = [], []
    for run in range(3):
        before = len(fake.requests)
        texts = [f"frase {run}-{i}" for i in range(50)]
        elapsed, data = post("translate", "/api/translate", {"texts": texts, "targetLanguage": "en"})
        assert len(data["translations"]) == 50
        timings.append(elapsed)
        calls.append(len(fake.requests) - before)
    return {**summary(timings), "model_calls_per_batch": calls}


def probe(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.cold_start_probe", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cold_starts(fake: FakeAnthropic, env: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sdk = [probe(["-", "-", "--bare", json.dumps(["anthropic"])], env)["import_ms"] for _ in range(RUNS)]
        for function, path, body, reply in ROUTES.values():
            fake.default = reply
            runs, bare = [], []
            for run in range(RUNS):
                event = http_event("POST", path, body=body(1000 + run), source_ip=next(_ips))
                file = Path(tmp) / f"{function}-{run}.json"
                file.write_text(json.dumps(event))
                result = probe([function, str(file)], env)
                assert result["status"] == 200, result
                runs.append(result)
                bare.append(
                    probe([function, str(file), "--bare", json.dumps(result["third_party"])], env)[
                        "import_ms"
                    ]
                )
            cold = statistics.median(r["cold_ms"] for r in runs)
            rows.append({
                "function": function,
                "import_ms": round(statistics.median(r["import_ms"] for r in runs), 1),
                "first_request_ms": round(statistics.median(r["first_request_ms"] for r in runs), 1),
                "cold_ms": round(cold, 1),
                "bare_third_party_ms": round(statistics.median(bare), 1),
                "anthropic_import_alone_ms": round(statistics.median(sdk), 1),
            })  # fmt: skip
            print(rows[-1], flush=True)
    return rows


def main() -> int:
    running = local_stack.start("describeit_bench_text", fresh=True)
    try:
        with FakeAnthropic() as fake:
            ai = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": fake.api_key}
            env = {**os.environ, **running.env, **ai, "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}"}
            local_stack.export({**running.env, **ai})
            results: dict[str, Any] = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "fake_delay_s": DELAY_S,
                "one_model_call": bare_model_call(fake),
            }
            print("one model call", results["one_model_call"], flush=True)
            results["routes"] = warm_routes(fake)
            results["batch_of_50"] = batch(fake)
            print("batch", results["batch_of_50"], flush=True)
            results["cold"] = cold_starts(fake, env)
        (ROOT / "bench" / "text_routes.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

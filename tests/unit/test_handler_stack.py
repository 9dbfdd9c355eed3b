"""The handler stack of every function (describe_it.handler): context-local log keys, the correlation
id of jobs, and — in a fresh process, as Lambda runs it — the cold start and the per-invocation EMF."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from describe_it.handler import correlation_id_of
from describe_it.observability import current_correlation_id, log_context, logger
from infra.local.functions import LambdaContext
from tests.support.logs import captured, metric_names

ROOT = Path(__file__).resolve().parents[2]


def test_log_context_keys_are_on_the_lines_inside_and_restored_after():
    with captured() as out:
        with log_context(correlation_id="outer-000001", path="/a"):
            with log_context(correlation_id="inner-000001"):
                logger.info("inner")
            logger.info("outer")
        logger.info("after")
    inner, outer, after = out.line("inner"), out.line("outer"), out.line("after")
    assert inner["correlation_id"] == "inner-000001" and inner["path"] == "/a"
    assert outer["correlation_id"] == "outer-000001" and outer["path"] == "/a"
    assert "correlation_id" not in after and "path" not in after


def test_the_current_correlation_id_is_the_one_of_the_enclosing_block():
    assert current_correlation_id() is None
    with log_context(correlation_id="outer-000001"):
        assert current_correlation_id() == "outer-000001"
    assert current_correlation_id() is None


def test_log_context_keys_belong_to_their_thread():
    # Both threads are inside their block at once before either logs: process-wide keys would show
    # the last one set on both lines.
    both_inside = threading.Barrier(2, timeout=30)

    def work(name: str) -> None:
        with log_context(correlation_id=f"thread-{name}-0001"):
            both_inside.wait()
            logger.info(f"from {name}")

    with captured() as out:
        threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert out.line("from a")["correlation_id"] == "thread-a-0001"
    assert out.line("from b")["correlation_id"] == "thread-b-0001"


def test_the_correlation_id_of_a_job():
    context = LambdaContext()
    assert correlation_id_of({"correlationId": "req-000000001", "id": "x"}, context) == "req-000000001"
    scheduled = {"id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event"}
    assert correlation_id_of(scheduled, context) == scheduled["id"]
    custom_resource = {"RequestType": "Create", "RequestId": "cfn-request-1"}
    assert correlation_id_of(custom_resource, context) == "cfn-request-1"
    # A payload's own "id" is not an event id; a malformed correlationId is not used.
    assert correlation_id_of({"id": "item-1"}, context) == "local-request-id"
    assert correlation_id_of({"correlationId": "has spaces in it"}, context) == "local-request-id"
    assert correlation_id_of([1, 2], context) == "local-request-id"


PROBE = r"""
from fastapi import Request

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.observability import logger, metrics
from infra.local.functions import LambdaContext, load_function
from tests.support.lambda_invoke import http_event

router = api_router()


class Context(LambdaContext):  # what Lambda passes: the name it also puts in the environment
    function_name = "describe-it-ProbeFunction-1A2B3C"


@router.get("/api/probe", openapi_extra=policy(auth="none", burst=False))
def probe(request: Request):
    logger.info("probe")
    metrics.add_metric(name="Probes", unit="Count", value=1)
    return ok(request, {})


handler = make_handler(create_app(router))
for _ in range(2):
    assert handler(http_event("GET", "/api/probe", request_id="gw-request-id"), Context())["statusCode"] == 200
# A real function whose request records no metric: no document, and no warning (-W error).
health = load_function("health").lambda_handler
assert health(http_event("GET", "/api/health"), Context())["statusCode"] == 200
"""

# What template.yaml gives every function, with made-up values, plus what Lambda sets itself.
LAMBDA_ENV = {
    "STAGE": "aws",
    "APP_BASE_URL": "https://app.example.com",
    "API_BASE_URL": "https://api.example.com",
    "IP_HASH_SECRET": "pepper-from-secrets-manager-0451",
    "JWT_ISSUER": "https://app.example.com",
    "STATE_TABLE": "describe-it-StateTable-1A2B3C",
    "AWS_LAMBDA_FUNCTION_NAME": "describe-it-ProbeFunction-1A2B3C",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}


def test_a_fresh_instance_reports_its_cold_start_once_and_flushes_every_invocation():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DB_", "AWS_", "STAGE"))},
        **LAMBDA_ENV,
        "PYTHONPATH": f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}",
    }
    run = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    logs = [r for r in records if r.get("message") == "probe"]
    documents = [r for r in records if "_aws" in r]

    assert [line["cold_start"] for line in logs] == [True, False]
    for line in logs:
        assert line["function_name"] == "describe-it-ProbeFunction-1A2B3C"
        assert line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"  # the log line finds its trace
        assert line["correlation_id"] == "gw-request-id"  # no X-Request-ID: the gateway's id
    # One document per invocation that recorded something; the cold start rides in the first.
    assert len(documents) == 2
    assert metric_names(documents[0]) == {"ColdStart", "Probes"}
    assert metric_names(documents[1]) == {"Probes"}
    assert all(d["function_name"] == "describe-it-ProbeFunction-1A2B3C" for d in documents)


def test_every_function_runs_under_the_stack_and_nothing_sets_process_wide_log_keys():
    # Forty more functions will copy what is here: each must end on one of the two entry points, and
    # no code may use what this stack replaces (process-wide keys, a second flush, a second cold start).
    replaced = ("append_keys(", "inject_lambda_context", "log_metrics", "set_correlation_id(")
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        text = app.read_text()
        assert re.search(r"^lambda_handler = (make_handler|job_handler)\(", text, re.M), app
    stack = {"observability.py", "handler.py"}  # they say why these are not used
    for path in [*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers").rglob("describe_it/**/*.py")]:
        if path.name in stack and path.parent.name == "describe_it":
            continue
        text = path.read_text()
        for name in replaced:
            assert name not in text.replace("thread_safe_append_keys(", ""), f"{path}: {name}"

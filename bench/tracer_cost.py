"""What Powertools' Tracer would add to every cold start: importing aws_xray_sdk and patching the
libraries it traces. Why the functions rely on Lambda's own active tracing instead (describe_it/handler.py).

aws-xray-sdk is not a dependency, so install it beside the tree first (never into the layer):

    .venv/bin/pip install --target /tmp/xray aws-xray-sdk==2.15.0
    rm -rf /tmp/xray/{botocore,dateutil,jmespath,urllib3,six.py}*   # keep the tree's own versions
    PYTHONPATH=/tmp/xray:layers/common/python:. .venv/bin/python -m bench.tracer_cost

Each mode runs in RUNS fresh interpreters (as a Lambda instance would) after the packages every
function loads anyway; prints the medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
# Lambda's environment for Powertools: it disables the Tracer outside Lambda.
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "probe",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "STAGE": "local",
}
MODES = {
    "baseline (no tracer)": "",
    "Tracer() (auto-patch)": "from aws_lambda_powertools import Tracer; Tracer(service='describe-it')",
    "Tracer(auto_patch=False) + botocore only": (
        "from aws_lambda_powertools import Tracer; "
        "Tracer(service='describe-it', auto_patch=False).provider.patch(['botocore'])"
    ),
}


def probe(code: str) -> None:
    """In this fresh interpreter: load what every function loads, then time ``code``."""
    import aws_lambda_powertools  # noqa: F401
    import botocore.session  # noqa: F401
    import httpx  # noqa: F401
    import psycopg  # noqa: F401

    before = len(sys.modules)
    started = time.perf_counter()
    exec(code)  # one of MODES above
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "modules": len(sys.modules) - before}))


def main() -> None:
    for name, code in MODES.items():
        rows = []
        for _ in range(RUNS):
            out = subprocess.run(
                [sys.executable, "-m", "bench.tracer_cost", "--probe", code],
                capture_output=True,
                text=True,
                env={**os.environ, **LAMBDA_ENV},
                check=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        median = statistics.median(row["ms"] for row in rows)
        print(f"{name:45} {median:7.1f} ms  +{rows[0]['modules']} modules")


if __name__ == "__main__":
    if "--probe" in sys.argv:
        probe(sys.argv[sys.argv.index("--probe") + 1])
    else:
        main()

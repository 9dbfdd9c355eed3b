"""One cold start, in this fresh interpreter: import a function's app, serve its first request.

Run by bench/run.py as `python -m bench.cold_start_probe <function> <event.json> [--bare]`. Prints
one JSON line. With --bare, imports only the third-party packages the function loads (the floor our
own code is compared with). With --layout (run as `python -S bench/cold_start_probe.py`, PYTHONPATH
set to bench/build_layout.py's function folder, /opt/python and runtime), the function, its packages
and boto3 come from what `sam build` would ship; the tree is on sys.path only after them, for the
Lambda context stand-in.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    function, event_path = sys.argv[1], sys.argv[2]
    bare = "--bare" in sys.argv
    if bare:
        import importlib

        packages = json.loads(sys.argv[sys.argv.index("--bare") + 1])
        t0, c0 = time.perf_counter(), time.process_time()
        for name in packages:
            importlib.import_module(name)
        cpu_ms = (time.process_time() - c0) * 1000
        print(json.dumps({"import_ms": (time.perf_counter() - t0) * 1000, "cpu_ms": cpu_ms}))
        return
    if "--layout" in sys.argv:
        sys.path.append(str(ROOT))  # after the layout, so app and describe_it come from it
    from infra.local.functions import FUNCTIONS, LambdaContext

    if "--layout" not in sys.argv:
        sys.path.insert(0, str(FUNCTIONS / function))
    t0, c0 = time.perf_counter(), time.process_time()
    import app  # type: ignore[import-not-found]

    imported, c_imported = time.perf_counter(), time.process_time()
    with open(event_path, encoding="utf-8") as handle:
        event = json.load(handle)
    response = app.lambda_handler(event, LambdaContext())
    served, c_served = time.perf_counter(), time.process_time()
    stdlib = set(sys.stdlib_module_names)
    third_party = sorted(
        {
            name.split(".")[0]
            for name in sys.modules
            if name.split(".")[0] not in stdlib
            and not name.startswith(("describe_it", "app", "infra", "bench", "_"))
            and "." not in name
            and getattr(sys.modules[name], "__file__", None)  # real packages, not runtime shims
        }
    )
    print(
        json.dumps(
            {
                "import_ms": (imported - t0) * 1000,
                "first_request_ms": (served - imported) * 1000,
                "cold_ms": (served - t0) * 1000,
                # CPU time of this process: what a shared, overloaded machine distorts least (it leaves
                # out waiting for PostgreSQL and DynamoDB, which wall time includes).
                "import_cpu_ms": (c_imported - c0) * 1000,
                "cold_cpu_ms": (c_served - c0) * 1000,
                "status": response.get("statusCode", "ok") if isinstance(response, dict) else "ok",
                "third_party": third_party,
                "loaded_from": str(Path(app.__file__).parent),  # the tree or the layout: a sanity check
            }
        )
    )


if __name__ == "__main__":
    main()

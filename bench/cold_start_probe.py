"""One cold start, in this fresh interpreter: import a function's app, serve its first request.

Run by bench/run.py as `python -m bench.cold_start_probe <function> <event.json> [--bare]`. Prints
one JSON line. With --bare, imports only the third-party packages the function loads (the floor our
own code is compared with).
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()


def main() -> None:
    function, event_path = sys.argv[1], sys.argv[2]
    bare = "--bare" in sys.argv
    if bare:
        import importlib

        packages = json.loads(sys.argv[sys.argv.index("--bare") + 1])
        t0 = time.perf_counter()
        for name in packages:
            importlib.import_module(name)
        print(json.dumps({"import_ms": (time.perf_counter() - t0) * 1000}))
        return
    from infra.local.functions import FUNCTIONS, LambdaContext

    sys.path.insert(0, str(FUNCTIONS / function))
    t0 = time.perf_counter()
    import app  # type: ignore[import-not-found]

    imported = time.perf_counter()
    with open(event_path, encoding="utf-8") as handle:
        event = json.load(handle)
    response = app.lambda_handler(event, LambdaContext())
    served = time.perf_counter()
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
                "status": response.get("statusCode", "ok") if isinstance(response, dict) else "ok",
                "third_party": third_party,
            }
        )
    )


if __name__ == "__main__":
    main()

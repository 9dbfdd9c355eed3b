"""`make invoke FUNCTION=name EVENT=path`: run one handler in-process with an event, like `sam local invoke`.

Uses the local stack's settings (.local/), so start `make run` in another terminal first when the
function needs the database or DynamoDB; prints the Lambda response as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: make invoke FUNCTION=<name> EVENT=events/<name>/<case>.json", file=sys.stderr)
        return 2
    function, event_path = argv
    from infra.local import stack
    from infra.local.functions import load_function, names

    if function not in names():
        print(f"unknown function {function!r}; known: {', '.join(names())}", file=sys.stderr)
        return 2
    env = stack.attach()
    if env is None:
        print(
            "note: no running `make run` stack found; routes that need a store will answer 503",
            file=sys.stderr,
        )
    else:
        stack.export(env)
    event = json.loads(Path(event_path).read_text())
    from infra.local.functions import LambdaContext

    result = load_function(function).lambda_handler(event, LambdaContext())
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`make admin ARGS="set-role someone@example.com admin"`: the operator CLI against the running local stack."""

from __future__ import annotations

import sys

from infra.local import stack


def main() -> int:
    env = stack.attach()
    if env is None:
        print("start the local stack first: make run", file=sys.stderr)
        return 2
    stack.export(env)
    from describe_it.admin_cli import main as admin_main

    return admin_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

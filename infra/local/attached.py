"""Run an operator command against the running `make run` stack: `python -m infra.local.attached MODULE ARGS…`.

Used by `make admin` and `make migrate`. Without a running stack the command gets this shell's own
environment (e.g. DB_MIGRATE_URL pointing at another server).
"""

from __future__ import annotations

import runpy
import sys

from infra.local import stack


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python -m infra.local.attached MODULE [ARGS…]", file=sys.stderr)
        return 2
    env = stack.attach()
    if env is not None:
        stack.export(env)
    else:
        print("note: no running `make run` stack; using this shell's environment", file=sys.stderr)
    module, sys.argv = sys.argv[1], sys.argv[1:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Request gates: a route's role/tier rule that depends on its input, checked at step 8 of spec §1.4.

Step 8 (role/tier, 403) comes after validation (400) and before idempotency (9). Without an
``Idempotency-Key`` the service's own first check is that step. With one, the guard writes the
idempotency record before the handler runs, so a gate named in the route's policy
(``policy(idempotent=True, gate="export-tier")``) runs on the validated input first: a refused
request then claims no key and stores no 403, and the same key works once the caller may (after a
tier upgrade, say). Registered by name, like the replay hooks, because the policy is plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from describe_it.identity import Principal

# (the caller, the route's validated parameters by name) → None, or raises the 403
Gate = Callable[[Principal, Mapping[str, Any]], None]

_GATES: dict[str, Gate] = {}


def register_gate(name: str, gate: Gate) -> None:
    _GATES[name] = gate


def request_gate(name: str) -> Gate:
    try:
        return _GATES[name]
    except KeyError:
        raise LookupError(f"No request gate {name!r}: register it before declaring the route") from None

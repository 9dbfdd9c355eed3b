"""One-time work done in the Lambda init phase instead of in the first request (``make_handler``).

Only inside Lambda (``AWS_LAMBDA_INITIALIZATION_TYPE`` is set there, never on a laptop or in the
tests), and only what the function's routes will certainly need, read from their policies:

- the DynamoDB client (boto3's session, service model and endpoint resolution: ~50–60 ms of CPU, no
  network; Lambda's credentials are in its environment) when a route is rate-limited;
- the access-token verifier and its public keys (one Secrets Manager read in AWS) when a route takes a
  bearer token.

Not the PostgreSQL connection: a connection opened at init is idle until the first request (and dead
after a SnapStart restore), so the pool's check on checkout would pay for it again.

Init runs before the first request either way, so on an on-demand cold start the total is the same
work; what moves is *when* it runs: before any request exists with provisioned concurrency and
SnapStart, and in an init phase that is reported to get more CPU than a 512 MB invocation. A failure
here is logged by class and skipped: the first request then does the work (and answers its error).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from describe_it.http.policy import policy_of


def in_lambda_init() -> bool:
    return "AWS_LAMBDA_INITIALIZATION_TYPE" in os.environ


def prepare(routes: Iterable[Any]) -> list[str]:
    """Build what the routes' first request would build; returns what was prepared."""
    policies = [policy_of(route.openapi_extra) for route in routes if hasattr(route, "openapi_extra")]
    steps: list[tuple[str, Callable[[], object]]] = []
    if any(p.burst for p in policies):
        steps.append(("dynamodb", _dynamodb_client))
    if any(p.auth != "none" for p in policies):
        steps.append(("token-verifier", _token_verifier))
    return [name for name, step in steps if _attempt(name, step)]


def _dynamodb_client() -> object:
    from describe_it.aws import client

    return client("dynamodb")


def _token_verifier() -> object:
    from describe_it.auth.tokens import get_token_verifier

    return get_token_verifier()


def _attempt(name: str, step: Callable[[], object]) -> bool:
    try:
        step()
    except Exception as exc:  # the first request retries it and answers its error
        from describe_it.observability import error_fields, logger

        logger.warning("init warm-up skipped", extra={"step": name, **error_fields(exc)})
        return False
    return True

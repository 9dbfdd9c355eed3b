"""The deploy-time migration step: a CloudFormation custom resource (``functions/migrate``).

Create/Update: bootstrap the roles (passwords from the three login-role secrets) and apply pending
migrations. Delete: answer SUCCESS and leave the database alone — deleting a stack must never drop
data. CloudFormation always gets an answer (a custom resource that never answers blocks the stack),
so every failure becomes FAILED with a short reason.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

PHYSICAL_ID = "describeit-migrations"
_RESPONSE_ATTEMPTS = 3
_RESPONSE_TIMEOUT_S = 10


def run_deploy_migrations() -> list[str]:
    """Bootstrap + migrate with the deployed configuration; returns the migrations applied."""
    from describe_it.db.migrate import (
        LOGIN_ROLES,
        MigrationError,
        admin_dsn_from_settings,
        bootstrap_roles,
        login_passwords_from_settings,
        migrate,
    )

    admin_dsn = admin_dsn_from_settings()
    passwords = login_passwords_from_settings()
    missing = [role for role in LOGIN_ROLES if role not in passwords]
    if missing:
        raise MigrationError(f"no password configured for {', '.join(missing)} (DB_*_SECRET_ARN)")
    bootstrap_roles(admin_dsn, passwords)
    return migrate(admin_dsn)


def send_response(url: str, body: Mapping[str, Any]) -> None:
    """PUT the result to CloudFormation's pre-signed S3 URL (bounded: a few short attempts)."""
    data = json.dumps(body).encode()
    for attempt in range(1, _RESPONSE_ATTEMPTS + 1):
        # The pre-signed URL was signed without a content type: send an empty one.
        request = urllib.request.Request(  # noqa: S310  # the URL comes from CloudFormation's event
            url, data=data, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(data))}
        )
        try:
            with urllib.request.urlopen(request, timeout=_RESPONSE_TIMEOUT_S) as response:  # noqa: S310
                response.read()
            return
        except OSError as exc:
            _log("warning", "custom resource response failed", attempt=attempt, error=type(exc).__name__)
            if attempt < _RESPONSE_ATTEMPTS:
                time.sleep(attempt)
    _log("error", "custom resource response was never delivered")


def _log(level: str, message: str, exc: BaseException | None = None, **fields: Any) -> None:
    """Through the service logger once it has loaded. It loads the settings, so when they were
    refused (settings.py logged which) this writes one JSON line on stderr instead of trying again."""
    observability = sys.modules.get("describe_it.observability")
    if observability is None:
        error = {"error": type(exc).__name__} if exc is not None else {}
        sys.stderr.write(json.dumps({"level": level.upper(), "message": message, **fields, **error}) + "\n")
        return
    if exc is not None:
        fields = {**fields, **observability.stack_fields(exc)}
    getattr(observability.logger, level)(message, extra=fields)


def job_handler(
    fn: Callable[[Mapping[str, Any], Any], dict[str, Any]],
) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """``describe_it.handler.job_handler`` for the custom resource, imported when an invocation starts
    rather than with the function: the handler stack imports the logger, which loads the settings,
    and a refusal there must still reach ``handle`` so that CloudFormation is answered FAILED."""

    def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        from describe_it.settings import SettingsError

        try:
            from describe_it.handler import job_handler as stack
        except SettingsError:  # settings.py logged which; handle answers without the logger
            return fn(event, context)
        return stack(fn)(event, context)

    return lambda_handler


def handle(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Run the request, answer CloudFormation, and return the answer (handy for tests and logs)."""
    from describe_it.errors import LoggableError
    from describe_it.settings import SettingsError

    request_type = event.get("RequestType")
    status, reason, data = "SUCCESS", "", {}
    try:
        # Inside the try: the logger loads the settings, and a refusal must still answer FAILED
        # (CloudFormation would otherwise wait out ServiceTimeout).
        from describe_it.observability import logger

        if request_type in ("Create", "Update"):
            applied = run_deploy_migrations()
            from describe_it.auth.keys import ensure_signing_keys

            new_kid = ensure_signing_keys()
            data = {"Applied": ",".join(applied), "SigningKeyCreated": new_kid or ""}
            reason = f"applied: {', '.join(applied)}" if applied else "up to date"
        elif request_type == "Delete":
            reason = "database left untouched"
        else:
            raise ValueError(f"unknown RequestType {request_type!r}")
        logger.info(
            "migrations custom resource", extra={"request": request_type, "applied": data.get("Applied")}
        )
    except Exception as exc:  # CloudFormation must get an answer, whatever failed
        _log("error", "migrations custom resource failed", exc, request=request_type)
        # Both messages are written for operators: ids, causes and setting names, never values.
        loggable = isinstance(exc, LoggableError | SettingsError)
        detail = str(exc) if loggable else "see the function's log"
        status, reason, data = "FAILED", f"{type(exc).__name__}: {detail}"[:1000], {}
    body = {
        "Status": status,
        "Reason": reason or status,
        "PhysicalResourceId": PHYSICAL_ID,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": data,
    }
    send_response(str(event["ResponseURL"]), body)
    return body

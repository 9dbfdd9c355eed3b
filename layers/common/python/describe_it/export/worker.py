"""The export worker's handler code: ``functions/export_worker`` calls it with Lambda's event, the local
stack's background thread with the same event (``dispatch.local_thread``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from describe_it.export.api import ExportJob

# Time kept back from the function's timeout to record the outcome after the last batch.
_MARGIN_S = 20.0


def handle(event: Any, remaining_ms: Callable[[], int] | None = None) -> dict[str, str]:
    """Run the export the event names. ``remaining_ms``: the Lambda context's clock (None: the full
    worker timeout, as on the local stack's thread)."""
    from describe_it.export.lifecycle import WORKER_TIMEOUT_S
    from describe_it.export.runner import get_export_runner
    from describe_it.observability import logger

    try:
        job = ExportJob.model_validate(event)
    except ValidationError:
        # Not retried (it would fail the same way): only this stack's functions may invoke the worker.
        logger.error("export worker event is not an export job")
        return {"exportId": "", "outcome": "invalid"}
    left_s = remaining_ms() / 1000 if remaining_ms is not None else WORKER_TIMEOUT_S
    deadline = time.monotonic() + max(1.0, left_s - _MARGIN_S)
    outcome = get_export_runner().run(job, deadline=deadline)
    return {"exportId": str(job.export_id), "outcome": outcome}

"""Starting the export worker for an export too large to write inside its request.

In AWS: an asynchronous ``Invoke`` (``InvocationType=Event``) of the ``export_worker`` function
(setting ``export_worker_function``); Lambda queues the event, retries a failed run twice, and may
deliver an event more than once, which the worker's status transitions absorb. In the local stack:
a background thread that calls the worker's handler code (``worker.handle``), as Lambda would.
"""

from __future__ import annotations

import json
import threading

from describe_it.export.api import ExportJob


def start_worker(job: ExportJob) -> None:
    """Hand ``job`` to the worker; raises when it cannot be handed over (the caller fails the export)."""
    from describe_it.settings import get_settings

    settings = get_settings()
    if settings.export_worker_function:
        from describe_it.aws import client

        client("lambda").invoke(
            FunctionName=settings.export_worker_function,
            InvocationType="Event",
            Payload=json.dumps(job.model_dump(mode="json", by_alias=True)).encode(),
        )
    elif settings.stage == "local":
        local_thread(job).start()
    else:
        raise RuntimeError("EXPORT_WORKER_FUNCTION is not set")


def local_thread(job: ExportJob) -> threading.Thread:
    """The local stack's stand-in for an asynchronous Invoke (not started)."""
    from describe_it.export.worker import handle

    event = job.model_dump(mode="json", by_alias=True)
    return threading.Thread(target=handle, args=(event,), name=f"export-worker-{job.export_id}", daemon=True)

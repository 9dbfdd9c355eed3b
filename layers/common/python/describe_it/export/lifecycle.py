"""How long an export's claim, its start and its file live, and where its file is (spec §13).

Shared by the routes that read exports and the code that writes them, so both agree on when a run is
over and when a file is gone.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

# template.yaml: ExportWorkerFunction Timeout (tests/unit/export/test_lifecycle.py ties the two).
WORKER_TIMEOUT_S = 300
# A run cannot outlive its function's timeout: a claim older than this belongs to a run that is over.
LEASE = timedelta(seconds=WORKER_TIMEOUT_S + 60)
# Longer than the last delivery of a worker event can come: it may wait 10 minutes in Lambda's queue
# (template: MaximumEventAgeInSeconds), then three runs of up to WORKER_TIMEOUT_S with Lambda's pauses
# of 1 and 2 minutes between them (a run that meets an outage sends the export back to pending).
START_BY = timedelta(minutes=30)
# The bucket's lifecycle rule deletes exports/ objects after 7 days (rounded up to a midnight).
KEEP = timedelta(days=7)


def storage_key(user_id: UUID, export_id: UUID, filename: str) -> str:
    return f"exports/{user_id}/{export_id}/{filename}"

"""How long an export's claim, its start and its file live, and where its file is (spec §13).

Shared by the routes that read exports and the code that writes them, so both agree on when a run is
over and when a file is gone.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

# template.yaml: ExportWorkerFunction Timeout (tests/integration/export/test_template_blocks.py ties them).
WORKER_TIMEOUT_S = 300
# A run cannot outlive its function's timeout: a claim older than this belongs to a run that is over.
LEASE = timedelta(seconds=WORKER_TIMEOUT_S + 60)
# Longer than a worker event may wait in Lambda's queue (template: 900 s) plus its two retries.
START_BY = timedelta(minutes=20)
# The bucket's lifecycle rule deletes exports/ objects after 7 days (rounded up to a midnight).
KEEP = timedelta(days=7)


def storage_key(user_id: UUID, export_id: UUID, filename: str) -> str:
    return f"exports/{user_id}/{export_id}/{filename}"

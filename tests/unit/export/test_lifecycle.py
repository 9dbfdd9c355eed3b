"""The export worker's template block agrees with the timings the service relies on (lifecycle.py)."""

from __future__ import annotations

from typing import Any

from describe_it.export.lifecycle import LEASE, START_BY, WORKER_TIMEOUT_S
from infra.local.cfn import load_template

RESOURCES: dict[str, Any] = load_template()["Resources"]
WORKER = RESOURCES["ExportWorkerFunction"]["Properties"]
# Lambda's pauses before the two retries of a failed asynchronous invocation: about 1 and 2 minutes.
RETRY_PAUSES_S = 60 + 120


def test_a_claim_outlives_the_longest_run() -> None:
    assert WORKER["Timeout"] == WORKER_TIMEOUT_S
    assert LEASE.total_seconds() > WORKER["Timeout"]


def test_a_pending_export_is_given_up_only_after_its_last_possible_delivery() -> None:
    invoke = WORKER["EventInvokeConfig"]
    runs = 1 + invoke["MaximumRetryAttempts"]
    latest_start = invoke["MaximumEventAgeInSeconds"] + (runs - 1) * WORKER["Timeout"] + RETRY_PAUSES_S
    assert invoke["MaximumRetryAttempts"] == 2
    assert START_BY.total_seconds() > latest_start


def test_the_functions_that_write_files_have_the_export_layer_and_the_right_grants() -> None:
    generate = RESOURCES["ExportGenerateFunction"]["Properties"]
    assert {"Ref": "ExportLayer"} in generate["Layers"]
    assert {"Ref": "ExportLayer"} in WORKER["Layers"]
    assert RESOURCES["ExportLayer"]["Properties"]["ContentUri"] == "layers/export/"
    assert generate["Environment"]["Variables"]["EXPORT_WORKER_FUNCTION"] == {"Ref": "ExportWorkerFunction"}
    assert {"LambdaInvokePolicy": {"FunctionName": {"Ref": "ExportWorkerFunction"}}} in generate["Policies"]
    assert "Events" not in WORKER  # invoked by the generate route only
    for name in ("ExportListFunction", "ExportItemFunction", "ExportDownloadFunction"):
        props = RESOURCES[name]["Properties"]
        assert "Layers" not in props, f"{name} writes no files"
        assert {"Ref": "WriteExportFilesPolicy"} not in props["Policies"]

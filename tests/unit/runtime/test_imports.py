"""Cold start: importing the runtime must not pull in boto3 (it is loaded on first use)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_runtime_modules_import_without_boto3() -> None:
    code = (
        "import sys\n"
        "import describe_it.runtime.rate_limit, describe_it.runtime.cache, describe_it.runtime.idempotency\n"
        "import describe_it.runtime.circuit, describe_it.runtime.revocations\n"
        "from describe_it.runtime.rate_limit import get_rate_limiter\n"
        "get_rate_limiter()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"

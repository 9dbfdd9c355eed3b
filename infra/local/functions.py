"""Find and import the functions under functions/ (each one's app.py, as Lambda would load it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


def names() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` as module ``fn_<name>`` (once per process)."""
    module_name = f"fn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS / name / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no function named {name!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def http_functions() -> dict[str, ModuleType]:
    """Functions that serve HTTP routes (they export a ``router``)."""
    loaded = {name: load_function(name) for name in names()}
    return {name: module for name, module in loaded.items() if hasattr(module, "router")}


class LambdaContext:
    """The parts of the Lambda context object that Mangum and Powertools read."""

    function_name = "local"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local"
    aws_request_id = "local-request-id"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000

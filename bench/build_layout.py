"""What `sam build` ships, laid out on this machine so bench/run.py can cold-start functions from it.

Lambda puts a function's code at /var/task (no .pyc: SAM copies the folder as it is, and the file
system is read-only, so app.py is compiled on every cold start), the layers at /opt/python (the common
layer's wheels and ``describe_it``, compiled to unchecked-hash .pyc by layers/common/Makefile), and its
own boto3/botocore under /var/runtime. This stages the same thing under ``.local/bench-layout/``:

    site/<requirements hash>/opt/python   pip-installed layers/*/requirements.txt, then compiled
    site/<requirements hash>/runtime      boto3 + botocore at the versions installed for development
    opt/python/describe_it                 copied from the tree and compiled on every run (seconds)
    functions/<name>/app.py                copied as they are, without .pyc

The third-party part is cached per hash of the requirement files: a run after the first reinstalls
nothing. Wheels are this machine's (the probe runs here), not Lambda's arm64 ones.
"""

from __future__ import annotations

import compileall
import hashlib
import py_compile
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / ".local" / "bench-layout"
LAYER_REQUIREMENTS = sorted((ROOT / "layers").glob("*/requirements.txt"))
RUNTIME_PACKAGES = ("boto3", "botocore")  # come with the Lambda runtime, not with a layer


@dataclass(frozen=True)
class Layout:
    opt_python: Path  # the layers' /opt/python
    runtime: Path  # the runtime's own packages (/var/runtime)
    functions: Path  # one folder per function, as /var/task

    def python_path(self, function: str) -> str:
        """sys.path order of the Lambda Python runtime: the function, then the layers, then the runtime."""
        return ":".join(str(p) for p in (self.functions / function, self.opt_python, self.runtime))


def _pins(names: tuple[str, ...]) -> list[str]:
    """The versions installed here (requirements-dev.txt pins boto3; botocore follows it)."""
    return [f"{name}=={metadata.version(name)}" for name in names]


def _compile(folder: Path) -> None:
    # As layers/common/Makefile does: Lambda never checks a .pyc against its source (read-only /opt).
    compileall.compile_dir(
        folder,
        quiet=2,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def _pip(target: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(target), *args],
        check=True,
    )


def _third_party() -> tuple[Path, Path]:
    digest = hashlib.sha256()
    for path in LAYER_REQUIREMENTS:
        digest.update(path.read_bytes())
    runtime_pins = _pins(RUNTIME_PACKAGES)
    digest.update(" ".join(runtime_pins).encode())
    digest.update(sys.version.encode())
    site = LAYOUT / "site" / digest.hexdigest()[:16]
    opt, runtime = site / "opt" / "python", site / "runtime"
    if (site / ".complete").exists():
        return opt, runtime
    shutil.rmtree(site, ignore_errors=True)
    requirements = [arg for path in LAYER_REQUIREMENTS for arg in ("--requirement", str(path))]
    _pip(opt, *requirements)
    _pip(runtime, *runtime_pins)
    for folder in (opt, runtime):
        shutil.rmtree(folder / "bin", ignore_errors=True)
        _compile(folder)
    (site / ".complete").touch()
    return opt, runtime


def build() -> Layout:
    """Stage (or refresh) the layout; returns where its parts are."""
    site_opt, runtime = _third_party()
    opt = LAYOUT / "opt" / "python"
    functions = LAYOUT / "functions"
    shutil.rmtree(opt, ignore_errors=True)
    shutil.rmtree(functions, ignore_errors=True)
    # /opt/python is the layers' packages plus describe_it: symlinks to the cached wheels, a fresh
    # compiled copy of our package (it changes between runs, the wheels do not).
    opt.mkdir(parents=True)
    for entry in site_opt.iterdir():
        (opt / entry.name).symlink_to(entry)
    shutil.copytree(
        ROOT / "layers/common/python/describe_it",
        opt / "describe_it",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    _compile(opt / "describe_it")
    shutil.copytree(ROOT / "functions", functions, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return Layout(opt_python=opt, runtime=runtime, functions=functions)


if __name__ == "__main__":
    print(build())

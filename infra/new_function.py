"""`make new-function NAME=... ROUTE=...`: the files of a new route, so it touches nothing else.

Writes, from the templates in infra/scaffold/:

- ``functions/<name>/app.py``: the handler, one route function per method (they raise
  NotImplementedError until you call your service from them);
- its block in template.yaml (``<Name>Function``, at the ``# new-function:`` marker);
- ``events/<name>/<method>.json``: a sample API Gateway event per method;
- ``tests/integration/functions/test_<name>.py``: invokes each sample event through Mangum.

It refuses to overwrite anything, and writes nothing when any of it exists already.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from infra.local.functions import http_event

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "scaffold"
MARKER = "  # new-function:"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = {"POST", "PUT", "PATCH"}
AUTH_MODES = ("none", "optional", "required", "admin")
# schema.md §1: /api/auth/* routes use auth, admin routes admin, every other route app (the template
# test holds each function to that). A function without a database (health, fallback) is an
# exception written by hand, and listed in that test.
DB_ROLES = ("app", "auth", "admin")
ROLE_POLICIES = {"app": "AppFunctionPolicy", "auth": "AuthFunctionPolicy", "admin": "AdminFunctionPolicy"}
SAMPLE_ID = "00000000-0000-4000-8000-000000000001"  # stands in for each {parameter} of the route


class ScaffoldError(ValueError):
    pass


@dataclass(frozen=True)
class Spec:
    name: str
    route: str
    methods: tuple[str, ...]
    auth: str
    db: str

    @property
    def logical_id(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_")) + "Function"

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{([^/}]+)\}", self.route)


def parse(name: str, route: str, methods: str, auth: str, db: str) -> Spec:
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name):
        raise ScaffoldError(f"NAME must be snake_case (what the route does): {name!r}")
    if not re.fullmatch(r"/api(/([a-z0-9-]+|\{[a-z_][a-z0-9_]*\}))+", route):
        raise ScaffoldError(f"ROUTE must be a path under /api/ with {{parameter}} segments: {route!r}")
    chosen = tuple(dict.fromkeys(m.strip().upper() for m in methods.split(",") if m.strip()))
    if not chosen or not set(chosen) <= set(METHODS):
        raise ScaffoldError(f"METHODS must be some of {','.join(METHODS)}: {methods!r}")
    if auth not in AUTH_MODES:
        raise ScaffoldError(f"AUTH must be one of {', '.join(AUTH_MODES)}: {auth!r}")
    if db not in DB_ROLES:
        raise ScaffoldError(f"DB must be one of {', '.join(DB_ROLES)}: {db!r}")
    return Spec(name, route, chosen, auth, db)


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _error_codes(spec: Spec, method: str) -> str:
    codes = {401, 429, 503}  # a bad token is a 401 on every route; every route is rate limited
    if method in BODY_METHODS:
        codes |= {400, 413, 415}
    if spec.parameters:
        codes.add(400)
    if spec.auth == "admin":
        codes.add(403)
    if spec.parameters:
        codes.add(404)
    return ", ".join(str(code) for code in sorted(codes))


def handler(spec: Spec) -> str:
    route = _template("route.py.tmpl")
    routes = "".join(
        route.substitute(
            verb=method.lower(),
            method=method,
            route=spec.route,
            errors=_error_codes(spec, method),
            auth=spec.auth,
            rate_class="read" if method == "GET" else "write",
            function=f"{method.lower()}_{spec.name}",
            parameters=", ".join(
                [f"{p}: str" for p in spec.parameters]
                + ["request: Request", "who: Principal = Depends(principal)"]
            ),
        )
        for method in spec.methods
    )
    return _template("app.py.tmpl").substitute(
        methods="/".join(spec.methods), route=spec.route, routes=routes
    )


def template_block(spec: Spec) -> str:
    return _template("block.yaml.tmpl").substitute(
        logical_id=spec.logical_id,
        name=spec.name,
        methods="/".join(spec.methods),
        route=spec.route,
        db_role=spec.db,
        policy=ROLE_POLICIES[spec.db],
    )


def event(spec: Spec, method: str) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event as API Gateway sends it on this route."""
    headers = {"accept": "application/json", "user-agent": "DescribeItSample/1.0"}
    if spec.auth != "none":
        headers["authorization"] = "Bearer PLACEHOLDER"  # the tests put a real token here
    body = "{}" if method in BODY_METHODS else None
    if body is not None:
        headers |= {"content-type": "application/json", "content-length": str(len(body))}
    path = re.sub(r"\{[^/}]+\}", SAMPLE_ID, spec.route)
    route_key = f"ANY {spec.route}"
    # A fixed request id: a sample event file does not change each time it is written.
    return http_event(
        method, path, raw_body=body, headers=headers, route_key=route_key, request_id="gw-request-id"
    )


def skeleton_test(spec: Spec) -> str:
    cases = json.dumps([method.lower() for method in spec.methods])
    return _template("test.py.tmpl").substitute(
        name=spec.name, methods="/".join(spec.methods), route=spec.route, cases=cases
    )


def write(spec: Spec, root: Path = ROOT) -> list[Path]:
    """Write every file of ``spec`` under ``root``; returns them. Checks everything first."""
    template_path = root / "template.yaml"
    template = template_path.read_text(encoding="utf-8")
    folder, events = root / "functions" / spec.name, root / "events" / spec.name
    test_path = root / "tests" / "integration" / "functions" / f"test_{spec.name}.py"
    taken = [path for path in (folder, events, test_path) if path.exists()]
    if taken:
        raise ScaffoldError("refusing to overwrite " + ", ".join(str(p.relative_to(root)) for p in taken))
    if re.search(rf"^  {spec.logical_id}:", template, re.MULTILINE):
        raise ScaffoldError(f"template.yaml already has {spec.logical_id}")
    if re.search(rf"Path: \"?{re.escape(spec.route)}\"?,", template):
        raise ScaffoldError(f"template.yaml already routes {spec.route}")
    if template.count(MARKER) != 1:
        raise ScaffoldError(f"template.yaml must hold the marker {MARKER.strip()!r} exactly once")

    files = {folder / "app.py": handler(spec), test_path: skeleton_test(spec)}
    for method in spec.methods:
        files[events / f"{method.lower()}.json"] = json.dumps(event(spec, method), indent=2) + "\n"
    if not (test_path.parent / "__init__.py").exists():
        files[test_path.parent / "__init__.py"] = ""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _format([path for path in files if path.suffix == ".py"])
    at = template.index(MARKER)
    template_path.write_text(template[:at] + template_block(spec) + template[at:], encoding="utf-8")
    return [*files, template_path]


def _format(paths: list[Path]) -> None:
    """The house format (long names wrap differently); skipped, with a note, where ruff is missing."""
    command = [sys.executable, "-m", "ruff", "format", "--quiet", *map(str, paths)]
    done = subprocess.run(command, check=False)  # noqa: S603 - our interpreter, our files
    if done.returncode:
        print("note: `make format` the new files (ruff did not run)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("name", help="snake_case folder name, e.g. vocabulary_lists")
    parser.add_argument("route", help="the API path, e.g. /api/vocabulary/lists or /api/things/{id}")
    parser.add_argument("--methods", default="GET", help="comma-separated, e.g. GET,POST")
    parser.add_argument("--auth", default="required", choices=AUTH_MODES)
    parser.add_argument("--db", default="app", choices=DB_ROLES, help="the database role")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        spec = parse(args.name, args.route, args.methods, args.auth, args.db)
        written = write(spec, args.root)
    except ScaffoldError as exc:
        print(f"new-function: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(args.root)}")
    print(
        "next: call your service from each route of the handler (they raise NotImplementedError), add the "
        "policies its calls need\n(tests/unit/test_iam_coverage.py says which), `make openapi`, and fill in "
        "the test."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Static analysis for the IAM coverage test: what a function's code can call, what its role may do.

Two halves, both read from files only (no AWS, no imports of the code under test):

- ``reach(function)``: every ``describe_it`` module a function can load, by an AST walk from
  ``functions/<name>/app.py`` over every import anywhere in a module (lazy imports inside functions
  included), transitively; plus the names it imports from them (``module:name``).
- ``grants(props, resources)``: the IAM statements a function's role holds: its SAM policy templates
  expanded with the definitions shipped in the installed ``samtranslator`` package, inline policy
  statements, or the policies of an ``AWS::IAM::Role`` named by ``Role:`` (inline, and
  ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to it).

Resources are compared by the CloudFormation logical ids they refer to (``!Ref StateTable``,
``!GetAtt UserKeysKey.Arn``, ``${HttpApi}`` in a ``!Sub``): an ARN built from a resource is that
resource; ``"*"`` is every resource.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers/common/python"
FUNCTIONS = ROOT / "functions"
PACKAGE = "describe_it"

# Every resource: a statement whose Resource is "*".
ANY_RESOURCE = "*"

# AWS managed policies a shared role may carry that grant nothing the coverage table tracks (logs,
# network interfaces, traces). Any other managed policy must be spelled out before the test trusts it.
HARMLESS_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXRayDaemonWriteAccess",
}


# --- the code: modules and the names imported from them -----------------------------------------------


def module_file(module: str) -> Path | None:
    base = LAYER / module.replace(".", "/")
    if (base / "__init__.py").exists():
        return base / "__init__.py"
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py")
    return None


def layer_modules() -> list[str]:
    found = []
    for path in sorted((LAYER / PACKAGE).rglob("*.py")):
        parts = path.relative_to(LAYER).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@dataclass(frozen=True)
class Imports:
    modules: frozenset[str]  # describe_it modules (and their parent packages) this file imports
    names: frozenset[str]  # "module:name" for names taken from describe_it modules
    attributes: frozenset[str]  # every attribute name the file reads (``settings.api_base_url``)


@cache
def imports_of(path: Path, module: str) -> Imports:
    """Every describe_it import in the file, wherever it is (module level or inside a function)."""
    tree = parse(path)
    modules: set[str] = set()
    names: set[str] = set()
    aliases: dict[str, str] = {}  # local name -> module, for ``alias.name`` references
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    modules.add(alias.name)
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            if source.split(".")[0] != PACKAGE:
                continue
            modules.add(source)
            for alias in node.names:
                if module_file(f"{source}.{alias.name}") is not None:
                    modules.add(f"{source}.{alias.name}")
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
                else:
                    names.add(f"{source}:{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            names.add(f"{aliases[node.value.id]}:{node.attr}")
    with_parents = {
        ".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 2) if module_file(m)
    }
    attributes = frozenset(n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute))
    return Imports(frozenset(m for m in with_parents if module_file(m)), frozenset(names), attributes)


@dataclass(frozen=True)
class Reach:
    modules: frozenset[str]
    names: frozenset[str]  # "module:name" referenced from another module, or inside its own module
    attributes: dict[str, frozenset[str]]  # module -> attribute names it reads

    def uses(self, key: str) -> bool:
        """``module``, ``module:function`` or ``module:Class.attribute`` (read by another module)."""
        module, _, name = key.partition(":")
        if module not in self.modules:
            return False
        if not name:
            return True
        if "." in name:
            attribute = name.split(".", 1)[1]
            return any(attribute in attrs for m, attrs in self.attributes.items() if m != module)
        return key in self.names


@cache
def reach(function: str) -> Reach:
    """The describe_it modules ``functions/<function>/app.py`` can load, and the names it can use."""
    start = imports_of(FUNCTIONS / function / "app.py", "app")
    modules: set[str] = set()
    names: set[str] = set(start.names)
    attributes = {"app": start.attributes}
    todo = list(start.modules)
    while todo:
        module = todo.pop()
        if module in modules:
            continue
        modules.add(module)
        path = module_file(module)
        assert path is not None, module
        found = imports_of(path, module)
        names |= found.names
        attributes[module] = found.attributes
        todo.extend(found.modules - modules)
    for module in modules:
        path = module_file(module)
        assert path is not None
        names |= {f"{module}:{name}" for name in _names_used_outside_their_definition(path)}
    return Reach(frozenset(modules), frozenset(names), attributes)


@cache
def _names_used_outside_their_definition(path: Path) -> frozenset[str]:
    """Top-level functions of a module that its other code refers to (``f()`` inside ``g``)."""
    tree = parse(path)
    defined = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    uses: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in defined:
            uses.setdefault(node.id, []).append(id(node))
    used = set()
    for name, found in uses.items():
        inside = {id(n) for n in ast.walk(defined[name])}
        if any(use not in inside for use in found):
            used.add(name)
    return frozenset(used)


def definition_source(module: str, name: str | None) -> str:
    """The source of ``module``, of its top-level ``function`` or class, or of ``Class.member``."""
    path = module_file(module)
    assert path is not None, f"{module} is not a module of the layer"
    text = path.read_text(encoding="utf-8")
    if name is None:
        return text
    body: list[ast.stmt] = parse(path).body
    node: ast.stmt | None = None
    for part in name.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        assert node is not None, f"{module} defines no {name}"
        body = getattr(node, "body", [])
    segment = ast.get_source_segment(text, node)
    assert segment is not None
    return segment


def builds_aws_client(module: str) -> bool:
    """The module makes AWS calls: it takes a client from describe_it.aws or the runtime's
    ``state_client``, or uses boto3 itself."""
    path = module_file(module)
    assert path is not None
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "boto3" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module:
            taken = {a.name for a in node.names}
            if node.module.split(".")[0] == "boto3" and node.module != "boto3.dynamodb.types":
                return True
            if node.module == "describe_it.aws" and "client" in taken:
                return True
            if node.module == "describe_it.runtime._dynamo" and "state_client" in taken:
                return True
    return False


def called_names(source: str) -> set[str]:
    """Method names called in ``source`` (``x.get_item(...)``) and string constants that look like
    one (``getattr(client, "decrypt")``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            names.add(node.func.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return names


@cache
def operations(service: str) -> frozenset[str]:
    """snake_case operation names of a botocore service (``generate_data_key``)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return frozenset(xform_name(op) for op in model.operation_names)


# --- the template: what a function's role may do ------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]  # patterns, as written ("dynamodb:GetItem", "kms:*")
    resources: frozenset[str]  # logical ids the statement's Resource refers to, or {ANY_RESOURCE}
    source: str  # where it came from, for messages

    def allows(self, action: str) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions)

    def covers(self, logical_id: str) -> bool:
        return ANY_RESOURCE in self.resources or logical_id in self.resources


@cache
def sam_policy_templates() -> dict[str, Any]:
    import samtranslator

    path = Path(samtranslator.__file__).parent / "policy_templates_data" / "policy_templates.json"
    templates: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["Templates"]
    return templates


_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


def referenced_ids(expr: Any) -> set[str]:
    """Logical ids an intrinsic expression refers to; {"*"} for a bare "*"."""
    if isinstance(expr, str):
        return {ANY_RESOURCE} if expr == ANY_RESOURCE else set()
    if isinstance(expr, list):
        return set().union(*(referenced_ids(e) for e in expr)) if expr else set()
    if not isinstance(expr, dict):
        return set()
    if "Ref" in expr:
        target = str(expr["Ref"])
        return set() if target.startswith("AWS::") else {target}
    if "Fn::GetAtt" in expr:
        target = expr["Fn::GetAtt"]
        return {target[0] if isinstance(target, list) else str(target).split(".", 1)[0]}
    if "Fn::Sub" in expr:
        value = expr["Fn::Sub"]
        text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
        found = {
            name.split(".", 1)[0]
            for name in _SUB_NAME.findall(text)
            if not name.startswith("AWS::") and name not in variables
        }
        return found | referenced_ids(list(variables.values()))
    return referenced_ids(list(expr.values()))


def _substitute(expr: Any, parameters: dict[str, Any]) -> Any:
    """A SAM policy template with its ``{"Ref": "<Parameter>"}`` replaced by the values given."""
    if isinstance(expr, list):
        return [_substitute(e, parameters) for e in expr]
    if isinstance(expr, dict):
        if set(expr) == {"Ref"} and expr["Ref"] in parameters:
            return parameters[expr["Ref"]]
        return {key: _substitute(value, parameters) for key, value in expr.items()}
    return expr


def _statements(document: dict[str, Any], source: str) -> list[Grant]:
    statements = document.get("Statement", [])
    grants = []
    for statement in statements if isinstance(statements, list) else [statements]:
        unsupported = {"NotAction", "NotResource"} & set(statement)
        assert not unsupported, f"{source}: {unsupported} is not understood by the IAM coverage test"
        # A Deny only takes away; counting it as nothing would overstate what the role may do.
        assert statement.get("Effect") == "Allow", f"{source}: only Allow statements are understood"
        actions = statement["Action"]
        grants.append(
            Grant(
                tuple(actions if isinstance(actions, list) else [actions]),
                frozenset(referenced_ids(statement.get("Resource", []))),
                source,
            )
        )
    return grants


def _managed(arn: Any, source: str) -> list[Grant]:
    name = str(arn).rsplit("/", 1)[-1] if isinstance(arn, str) else ""
    assert name in HARMLESS_MANAGED_POLICIES, (
        f"{source}: managed policy {arn!r} is unknown to the IAM coverage test (spell out its statements)"
    )
    return []


def _sam_policy(policy: Any, source: str, resources: dict[str, Any]) -> list[Grant]:
    if isinstance(policy, str):
        return _managed(policy, source)
    assert isinstance(policy, dict), f"{source}: unexpected policy {policy!r}"
    target = resources.get(str(policy.get("Ref")), {})
    if set(policy) == {"Ref"} and target.get("Type") == "AWS::IAM::ManagedPolicy":
        return _statements(target["Properties"]["PolicyDocument"], f"{source} ({policy['Ref']})")
    if "Statement" in policy:
        return _statements(policy, f"{source} (inline statement)")
    if set(policy) == {"Fn::If"}:
        # A conditional policy: either branch may be what is deployed; ``AWS::NoValue`` grants nothing.
        _condition, *branches = policy["Fn::If"]
        return [
            grant
            for branch in branches
            if branch != {"Ref": "AWS::NoValue"}
            for grant in _sam_policy(branch, source, resources)
        ]
    if len(policy) == 1:
        name, parameters = next(iter(policy.items()))
        template = sam_policy_templates().get(name)
        if template is not None:
            definition = _substitute(template["Definition"], dict(parameters or {}))
            return _statements(definition, f"{source} ({name})")
    return _managed(policy, source)  # an intrinsic that names a managed policy: not understood


def _role_grants(role_id: str, resources: dict[str, Any]) -> list[Grant]:
    role = resources.get(role_id)
    assert role is not None and role.get("Type") == "AWS::IAM::Role", (
        f"Role {role_id} is not an AWS::IAM::Role"
    )
    props = role.get("Properties", {})
    grants: list[Grant] = []
    for policy in props.get("Policies", []):
        grants += _statements(policy["PolicyDocument"], f"{role_id}.{policy.get('PolicyName', 'inline')}")
    for arn in props.get("ManagedPolicyArns", []):
        if isinstance(arn, dict):  # an AWS::IAM::ManagedPolicy of this template
            (target,) = referenced_ids(arn)
            grants += _statements(resources[target]["Properties"]["PolicyDocument"], target)
        else:
            grants += _managed(arn, role_id)
    for logical_id, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            attached = resource.get("Properties", {}).get("Roles", [])
            if {"Ref": role_id} in attached:
                grants += _statements(resource["Properties"]["PolicyDocument"], logical_id)
    return grants


def grants(props: dict[str, Any], resources: dict[str, Any], name: str) -> list[Grant]:
    """The statements of a function's role: its own (SAM ``Policies``) or a shared ``Role``."""
    role = props.get("Role")
    if role is not None:
        assert "Policies" not in props, f"{name}: SAM refuses Role together with Policies"
        ids = referenced_ids(role)
        assert len(ids) == 1, f"{name}: Role must refer to one AWS::IAM::Role of the template, not {role!r}"
        return _role_grants(next(iter(ids)), resources)
    policies = props.get("Policies") or []
    found: list[Grant] = []
    for policy in policies if isinstance(policies, list) else [policies]:
        found += _sam_policy(policy, name, resources)
    return found

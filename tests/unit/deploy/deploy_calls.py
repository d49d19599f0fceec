"""The AWS API calls a handler's code can make, read from the source (no AWS, nothing imported).

From the handler function, calls are followed by name through the project's modules the handler
imports (``deploy_imports.reachable_modules``): a function is reached when a reached function (or a
module's top level, or a framework-registered route) names it. Naming by name over-approximates
(every ``save`` is reached once any ``save`` is), which errs towards demanding a permission.
An AWS call is a method named like an operation of a service the code makes clients for
(``aws.client("dynamodb", ...)``), or such a name passed as a string (``_call("delete_item")``);
it becomes the IAM action ``<signing name>:<OperationName>`` (``dynamodb:PutItem``).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Iterator
from functools import cache

import botocore.session
from deploy_imports import module_file, reachable_modules

NOT_AWS = {
    "get_template": "jinja2.Environment.get_template (responder.render), not SES GetTemplate",
    "list_templates": "jinja2.Environment.list_templates (responder.render), not SES ListTemplates",
}
"""Method names that are AWS operations but, in this code, belong to another library."""


@dataclasses.dataclass
class Body:
    """What one function body (or a module's top level) does: AWS operations and names it uses."""

    operations: set[str] = dataclasses.field(default_factory=set)
    names: set[str] = dataclasses.field(default_factory=set)


@cache
def operations_of(service: str) -> dict[str, str]:
    """python method name → IAM action, for one botocore service."""
    model = botocore.session.get_session().get_service_model(service)
    prefix = model.signing_name or model.endpoint_prefix
    return {botocore.xform_name(name): f"{prefix}:{name}" for name in model.operation_names
            if botocore.xform_name(name) not in NOT_AWS}


def aws_actions(handler: str) -> set[str]:
    """The IAM actions the code reachable from ``module.function`` can call."""
    module, _, function = handler.rpartition(".")
    files = [path for path in map(module_file, sorted(reachable_modules([module])[0])) if path is not None]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    operations: dict[str, str] = {}
    for service in sorted({name for tree in trees.values() for name in client_services(tree)}):
        operations.update(operations_of(service))
    bodies: dict[str, list[Body]] = {}
    entries: list[Body] = []
    for path, tree in trees.items():
        top_level, functions = split_bodies(tree, operations)
        entries.append(top_level)
        for name, body, routed in functions:
            bodies.setdefault(name, []).append(body)
            if routed or (path == module_file(module) and name == function):
                entries.append(body)
    return {operations[name] for body in reached(entries, bodies) for name in body.operations}


def reached(entries: list[Body], bodies: dict[str, list[Body]]) -> Iterator[Body]:
    pending, seen = list(entries), set()
    while pending:
        body = pending.pop()
        if id(body) in seen:
            continue
        seen.add(id(body))
        yield body
        pending.extend(each for name in body.names for each in bodies.get(name, []))


def client_services(tree: ast.AST) -> Iterator[str]:
    """Services named in ``client("svc", ...)`` / ``aws.client("svc", ...)`` calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) == "client" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value


def split_bodies(tree: ast.Module, operations: dict[str, str]) -> tuple[Body, list[tuple[str, Body, bool]]]:
    """The module's top level and each function (methods and nested ones too) with whether a decorator
    registers it with a framework (FastAPI routes, exception handlers: called without being named)."""
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    inside = {id(child) for node in functions for child in ast.walk(node) if child is not node}
    top_level = _body([node for node in ast.walk(tree) if id(node) not in inside
                       and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)], operations)
    # A function's body includes its nested functions: a closure runs when its parent's result does.
    return top_level, [(node.name, _body(ast.walk(node), operations), bool(node.decorator_list))
                       for node in functions]


def _body(nodes: Iterable[ast.AST], operations: dict[str, str]) -> Body:
    body = Body()
    for node in nodes:
        if isinstance(node, ast.Name):
            body.names.add(node.id)
        elif isinstance(node, ast.Attribute):
            body.names.add(node.attr)
            if node.attr in operations:
                body.operations.add(node.attr)
        elif isinstance(node, ast.Call):
            body.operations.update(arg.value for arg in node.args if isinstance(arg, ast.Constant)
                                   and isinstance(arg.value, str) and arg.value in operations)
    return body


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None



"""What a Lambda package imports at run time, and which requirements files provide it; and the
import graph of the laptop tooling (``infra/``), for the rules between its parts.

A handler's imports are followed through the project's own packages (the handler module, its
package's modules it imports, the planetmail layer); what is left outside the standard library are
the distributions the deployment package must install.
"""

from __future__ import annotations

import ast
import importlib.metadata
import itertools
import re
import shlex
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from planetmail_local.emulator.image_function import parse_dockerfile
from planetmail_local.emulator.yaml_loader import load_template_document

ROOT = Path(__file__).parents[3]
INFRA = ROOT / "infra"
SHIPPED_PACKAGES = {"collector", "processor", "responder", "inbox", "sla_watchdog", "retrain"}
"""The functions' own packages: what ships to Lambda besides the layer (``planetmail``)."""
SOURCE_DIRS = [ROOT / "functions" / name
               for name in ("common", "collector", "processor", "responder", "inbox", "watchdog", "retrain")]
PROJECT_PACKAGES = {"planetmail", "collector", "processor", "responder", "inbox", "sla_watchdog",
                    "retrain"}
ZOOKEEPER_BACKEND = {
    "planetmail.config.zookeeper",
    "planetmail.coordination.client",
    "planetmail.coordination.leader",
    "planetmail.coordination.registry",
    "planetmail.coordination.zookeeper",
}
"""The layer's ZooKeeper backends: only the local target chooses them (importing them inside the
function that chooses), so what they import (kazoo) is local tooling that no deployed package installs."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def module_file(module: str) -> Path | None:
    for base in SOURCE_DIRS:
        path = base.joinpath(*module.split("."))
        if (path / "__init__.py").is_file():
            return path / "__init__.py"
        if path.with_suffix(".py").is_file():
            return path.with_suffix(".py")
    return None


def imported_names(path: Path, eager_only: bool = False) -> Iterator[str]:
    """Every absolute import in the file, ``from a import b`` also as ``a.b`` (b may be a module);
    ``eager_only``: only those that run when the module is imported (none inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _eager_nodes(tree) if eager_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _eager_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes that run at import: everything but function bodies."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _eager_nodes(child)


def third_party_modules(start: Iterable[str], skip: Iterable[str] = ZOOKEEPER_BACKEND) -> set[str]:
    """Top-level third-party modules reachable from ``start`` through the project's own modules,
    not through ``skip`` (by default the ZooKeeper backends, which no deployment chooses)."""
    return reachable_modules(start, skip=skip)[1]


def project_packages_reached(start: Iterable[str]) -> set[str]:
    """Top-level packages of the project that ``start`` imports, directly or not (and its own)."""
    return {module.split(".")[0] for module in reachable_modules(start)[0]}


def reachable_modules(start: Iterable[str], skip: Iterable[str] = (),
                      eager_only: bool = False) -> tuple[set[str], set[str]]:
    """The project's modules and the top-level third-party modules reachable from ``start``, not
    entering the modules of ``skip``; ``eager_only``: by imports that run at import time only."""
    pending, seen, found, skipped = list(start), set(), set(), set(skip)
    while pending:
        module = pending.pop()
        path = module_file(module)
        if module in seen or module in skipped or path is None:
            continue
        seen.add(module)
        for name in imported_names(path, eager_only):
            top = name.split(".")[0]
            if top in PROJECT_PACKAGES:
                pending.append(name)
            elif top not in sys.stdlib_module_names:
                found.add(top)
    return seen, found


def packages_in(directory: Path) -> set[str]:
    """Top-level packages and modules a directory provides on sys.path."""
    return {path.name for path in directory.iterdir() if (path / "__init__.py").is_file()} | {
        path.stem for path in directory.glob("*.py")}


def image_functions() -> dict[str, tuple[Path, Path]]:
    """template.yaml's image functions (PackageType Image): their Dockerfile and build context."""
    resources = load_template_document(ROOT / "template.yaml")["Resources"]
    return {name: docker_paths(spec["Metadata"]) for name, spec in resources.items()
            if spec["Type"] == "AWS::Serverless::Function"
            and spec["Properties"].get("PackageType") == "Image"}


def function_role(resources: dict[str, Any], function: str) -> str:
    """The logical id of the role a function's ``Role: !GetAtt <Role>.Arn`` names."""
    target = resources[function]["Properties"]["Role"]["Fn::GetAtt"]
    return str(target.split(".")[0] if isinstance(target, str) else target[0])


def docker_paths(metadata: dict[str, Any]) -> tuple[Path, Path]:
    """An image function's Dockerfile and build context, from its Metadata."""
    context = ROOT / metadata["DockerContext"]
    return context / metadata["Dockerfile"], context


def dockerfile_requirements(dockerfile: Path, context: Path) -> list[Path]:
    """The requirements files of the Dockerfile's ``pip install -r FILE``, traced back through the
    ``COPY SRC FILE`` that put FILE in the image to SRC in the build context."""
    return _pip_install_files(dockerfile, context, ("-r", "--requirement"))


def _pip_install_files(dockerfile: Path, context: Path, flags: tuple[str, ...]) -> list[Path]:
    instructions = list(parse_dockerfile(dockerfile.read_text(encoding="utf-8")))
    copied = {words[-1]: context / words[0] for words in
              (_copy_paths(item.arguments) for item in instructions if item.keyword == "COPY")}
    installed = [value for item in instructions if item.keyword == "RUN"
                 for flag, value in itertools.pairwise(shlex.split(item.arguments))
                 if flag in flags]
    not_copied = [name for name in installed if name not in copied]
    if not_copied:
        raise ValueError(f"{dockerfile} installs {not_copied[0]}, which no COPY puts in the image")
    return [copied[name] for name in installed]


def _copy_paths(text: str) -> list[str]:
    """COPY's sources and destination, without its flags (--chown=...)."""
    return [word for word in shlex.split(text) if not word.startswith("--")]


def distributions(modules: Iterable[str]) -> set[str]:
    owners = importlib.metadata.packages_distributions()
    return {canonical(owners[module][0]) for module in modules}


def requirement_lines(path: Path) -> list[str]:
    """The requirements of a requirements file, without comments and ``--hash`` options."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = (line.split("#")[0].split(" --hash")[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def installed_closure(requirements: Iterable[str]) -> set[str]:
    """The listed distributions and everything they pull in (runtime dependencies, no extras)."""
    pending = [canonical(Requirement(line).name) for line in requirements]
    closure: set[str] = set()
    while pending:
        name = pending.pop()
        if name in closure:
            continue
        closure.add(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonical(requirement.name))
    return closure


def tooling_modules(package: str = "planetmail_local") -> dict[str, Path]:
    """Module name → file of every module of ``package`` under infra/, entry points (``__main__``)
    left out: they are commands, like the CLI."""
    base = INFRA.joinpath(*package.split("."))
    found = {}
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(INFRA).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Every module or name the file imports, at the top or inside a function."""
    return set(imported_names(path))


def tooling_package_graph() -> dict[str, set[str]]:
    """Which part of planetmail_local (``cli``, ``stack``, ``emulator``, a top-level module, ...)
    imports which other part."""
    graph: dict[str, set[str]] = {}
    for module, path in tooling_modules().items():
        part = _part(module)
        graph.setdefault(part, set())
        graph[part] |= {_part(name) for name in imports_of(path)
                        if name.startswith("planetmail_local.") and _part(name) != part}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import loop once, as the path that closes it (``[a, b, a]``)."""
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target == path[0]:
                found.append([*path, target])
            elif target not in path and target > path[0]:
                visit(target, [*path, target])

    for start in sorted(graph):
        visit(start, [start])
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]

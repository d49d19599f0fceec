"""What a Lambda package imports at run time, and which requirements files provide it.

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
SOURCE_DIRS = [ROOT / "functions" / name for name in ("common", "collector", "processor", "responder")]
PROJECT_PACKAGES = {"planetmail", "collector", "processor", "responder"}


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


def imported_names(path: Path) -> Iterator[str]:
    """Every absolute import in the file, ``from a import b`` also as ``a.b`` (b may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def third_party_modules(start: Iterable[str]) -> set[str]:
    """Top-level third-party modules reachable from ``start`` through the project's own modules."""
    return reachable_modules(start)[1]


def project_packages_reached(start: Iterable[str]) -> set[str]:
    """Top-level packages of the project that ``start`` imports, directly or not (and its own)."""
    return {module.split(".")[0] for module in reachable_modules(start)[0]}


def reachable_modules(start: Iterable[str]) -> tuple[set[str], set[str]]:
    """The project's modules and the top-level third-party modules reachable from ``start``."""
    pending, seen, found = list(start), set(), set()
    while pending:
        module = pending.pop()
        path = module_file(module)
        if module in seen or path is None:
            continue
        seen.add(module)
        for name in imported_names(path):
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

"""The import graph keeps what ships apart from what runs on a laptop, and each engine apart from the
command line (the rules issue 18 names; SAM CLI's command → glue → engine layering).

- tooling (``infra/``) uses the layer (``planetmail``), never a function's own package;
- engines (the local stack, the emulator, the dashboard) raise their own errors: only the CLI
  imports the CLI's ``UserError`` and words them;
- the emulator runs any SAM project: it imports nothing of planetmail's, layer or tooling;
- no two parts of the tooling import each other, directly or around a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_imports import SHIPPED_PACKAGES, cycles, imports_of, tooling_modules, tooling_package_graph

TOOLING = tooling_modules()
MODEL_BUILDERS = ("planetmail_local.training", "planetmail_local.cli.model")
"""Training builds the artifact the processor loads, so it must use the processor's own model definition
(features, classifier, artifact format): these import ``processor`` and the training engine the scheduled
retrain function ships (``retrain``) by design, and no other function."""
ENGINES = ("planetmail_local.stack", "planetmail_local.emulator", "planetmail_local.observability",
           "planetmail_local.bench")


def violations(modules: dict[str, Path], forbidden: Callable[[str], bool]) -> dict[str, list[str]]:
    """Module → the imports ``forbidden`` refuses, for every module that has one."""
    found = {module: sorted(filter(forbidden, imports_of(path))) for module, path in modules.items()}
    return {module: names for module, names in found.items() if names}


def part_of(package: str) -> dict[str, Path]:
    return {module: path for module, path in TOOLING.items() if module.startswith(package)}


def test_tooling_uses_the_layer_not_the_functions_packages() -> None:
    others = {module: path for module, path in TOOLING.items() if not module.startswith(MODEL_BUILDERS)}

    assert violations(others, lambda name: name.split(".")[0] in SHIPPED_PACKAGES) == {}


def test_training_imports_the_model_definition_and_the_training_engine_and_no_other_function() -> None:
    builders = {module: path for module, path in TOOLING.items() if module.startswith(MODEL_BUILDERS)}

    assert builders
    model_packages = {"processor", "retrain"}
    assert violations(builders, lambda name: name.split(".")[0] in SHIPPED_PACKAGES - model_packages) == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_raise_their_own_errors_and_leave_the_wording_to_the_cli(engine: str) -> None:
    modules = part_of(engine)

    assert modules
    assert violations(modules, lambda name: name.startswith("planetmail_local.cli")) == {}


def test_the_emulator_runs_any_sam_project_without_planetmails_code() -> None:
    def planetmails(name: str) -> bool:
        top = name.split(".", maxsplit=1)[0]
        own = name.startswith(("planetmail_local.emulator", "planetmail_local.toolchain"))
        return top in {"planetmail", *SHIPPED_PACKAGES} or (top == "planetmail_local" and not own)

    assert violations(part_of("planetmail_local.emulator"), planetmails) == {}


def test_no_two_parts_of_the_tooling_import_each_other() -> None:
    graph = tooling_package_graph()

    assert {"cli", "stack", "emulator"} <= set(graph)
    assert cycles(graph) == []


def test_a_loop_is_found() -> None:
    assert cycles({"emulator": {"stack"}, "stack": {"emulator", "toolchain"}, "toolchain": set()}) == [
        ["emulator", "stack", "emulator"]]


def test_a_forbidden_import_is_found() -> None:
    stack = part_of("planetmail_local.stack")

    assert "planetmail_local.stack.control" in violations(
        stack, lambda name: name.startswith("planetmail_local.emulator"))

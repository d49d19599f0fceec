"""sam build installs each CodeUri's requirements.txt: they must cover what the handlers import and
say what pyproject.toml says, so the deployment cannot drift from the tested environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_imports import (
    ROOT,
    canonical,
    distributions,
    installed_closure,
    pyproject_dependencies,
    requirement_lines,
    third_party_modules,
)

from planetmail_local.emulator.yaml_loader import load_template_document

TEMPLATE = load_template_document(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {name: spec["Properties"] for name, spec in RESOURCES.items()
             if spec["Type"] == "AWS::Serverless::Function"}
LAYER = RESOURCES["CommonLayer"]
LAYER_DIR = ROOT / LAYER["Properties"]["ContentUri"]


def handler_module(properties: dict[str, Any]) -> str:
    return str(properties["Handler"]).rsplit(".", 1)[0]


def test_the_layer_is_built_by_sam_for_the_functions_runtime() -> None:
    assert LAYER["Metadata"]["BuildMethod"] == TEMPLATE["Globals"]["Function"]["Runtime"]
    assert (LAYER_DIR / "requirements.txt").is_file()


@pytest.mark.parametrize("requirements", sorted({
    *(ROOT / p["CodeUri"] / "requirements.txt" for p in FUNCTIONS.values()), LAYER_DIR / "requirements.txt",
}), ids=lambda p: p.parent.name)
def test_every_requirement_is_a_pyproject_dependency_with_the_same_specifier(requirements: Path) -> None:
    assert requirements.is_file(), f"sam build needs {requirements}"
    assert set(requirement_lines(requirements)) <= set(pyproject_dependencies())


def test_the_layer_provides_what_the_planetmail_package_imports() -> None:
    modules = {".".join(path.relative_to(LAYER_DIR).with_suffix("").parts).removesuffix(".__init__")
               for path in (LAYER_DIR / "planetmail").rglob("*.py")}

    missing = distributions(third_party_modules(modules)) - installed_closure(
        requirement_lines(LAYER_DIR / "requirements.txt"))

    assert not missing, f"add {sorted(missing)} to {LAYER_DIR / 'requirements.txt'}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_and_layer_requirements_provide_what_the_handler_imports(function: str) -> None:
    properties = FUNCTIONS[function]
    listed = [*requirement_lines(ROOT / properties["CodeUri"] / "requirements.txt"),
              *requirement_lines(LAYER_DIR / "requirements.txt")]

    missing = distributions(third_party_modules([handler_module(properties)])) - installed_closure(listed)

    assert not missing, f"add {sorted(missing)} to {properties['CodeUri']}/requirements.txt"


def test_a_handler_import_missing_from_the_requirements_is_found() -> None:
    imported = distributions(third_party_modules(["processor.handler"]))

    assert {"scikit-learn", "skops", "lingua-language-detector"} <= imported
    assert canonical("Jinja2") not in installed_closure(["scikit-learn>=1.5"])

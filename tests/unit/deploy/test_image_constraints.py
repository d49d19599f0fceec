"""An image is built from ``>=`` requirements, so without exact pins a build today would get newer numpy,
scipy or lingua than the venv the model was trained and tested with. Each image installs with a
constraints file that pins everything its requirements pull in, at the venv's versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_imports import (
    canonical,
    constraint_pins,
    dockerfile_constraints,
    dockerfile_requirements,
    image_functions,
    requirement_lines,
)
from image_constraints import REGENERATE, image_pins, pin_drift
from packaging.requirements import Requirement

from planetmail_local.emulator.image_function import parse_dockerfile

IMAGES = image_functions()


def constraints_file(function: str) -> Path:
    (constraints,) = dockerfile_constraints(*IMAGES[function])
    return constraints


@pytest.mark.parametrize("function", sorted(IMAGES))
def test_the_image_installs_its_requirements_with_one_constraints_file(function: str) -> None:
    constraints = dockerfile_constraints(*IMAGES[function])

    assert len(constraints) == 1, f"{IMAGES[function][0]}: pip install -c CONSTRAINTS exactly once"
    assert constraints[0].is_file(), f"write it with {REGENERATE}"
    install = [item.arguments for item in parse_dockerfile(IMAGES[function][0].read_text(encoding="utf-8"))
               if item.keyword == "RUN" and " -r " in item.arguments]
    assert install, "the Dockerfile installs no requirements file"
    assert all(" -c " in run for run in install), f"every pip install -r needs the -c: {install}"


@pytest.mark.parametrize("function", sorted(IMAGES))
def test_the_constraints_pin_what_the_image_installs_at_the_venv_versions(function: str) -> None:
    drift = pin_drift(constraint_pins(constraints_file(function)), image_pins(*IMAGES[function]))

    assert not drift, f"{constraints_file(function)} is out of step with the venv: {drift}; run {REGENERATE}"


@pytest.mark.parametrize("function", sorted(IMAGES))
def test_every_pin_satisfies_the_requirement_it_constrains(function: str) -> None:
    pins = constraint_pins(constraints_file(function))
    requirements = [Requirement(line) for file in dockerfile_requirements(*IMAGES[function])
                    for line in requirement_lines(file)]

    refused = [str(requirement) for requirement in requirements
               if canonical(requirement.name) not in pins
               or not requirement.specifier.contains(pins[canonical(requirement.name)])]

    assert not refused, f"not pinned, or pinned outside the requirement: {refused}"


def test_a_stale_a_missing_and_a_surplus_pin_are_found() -> None:
    drift = pin_drift({"numpy": "1.0.0", "jinja2": "3.1.0", "scipy": "1.17.1"},
                      {"numpy": "2.4.6", "scipy": "1.17.1", "joblib": "1.6.0"})

    assert drift == ["jinja2: pinned 3.1.0, venv not pulled in",
                     "joblib: pinned nowhere, venv 1.6.0",
                     "numpy: pinned 1.0.0, venv 2.4.6"]


def test_an_upgraded_venv_package_is_found(tmp_path: Path) -> None:
    dockerfile, context = IMAGES["ProcessorFunction"]
    installed = image_pins(dockerfile, context)
    stale = tmp_path / "constraints.txt"
    stale.write_text("".join(f"{name}=={'0.0.1' if name == 'numpy' else version}\n"
                             for name, version in installed.items()), encoding="utf-8")

    assert pin_drift(constraint_pins(stale), installed) == [f"numpy: pinned 0.0.1, venv {installed['numpy']}"]


@pytest.mark.parametrize("line", ["numpy>=2.0", "numpy", "numpy==2.4.6; python_version < '3.12'",
                                  "numpy==2.4.6,<3"])
def test_a_constraint_that_is_not_an_exact_pin_is_refused(tmp_path: Path, line: str) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"# pins\n{line}\n", encoding="utf-8")

    with pytest.raises(ValueError, match="not an exact pin"):
        constraint_pins(constraints)

"""Rewrite the constraints file of each image function's Dockerfile (its ``pip install -c FILE``): every
distribution the Dockerfile's requirements files pull in, pinned to the version installed in this venv,
where the model was trained and the tests ran. From the repository root:

    .venv/bin/python tests/unit/deploy/image_constraints.py

test_image_constraints.py fails while a constraints file is out of step with the venv.
"""

from __future__ import annotations

import sys
from pathlib import Path

from deploy_imports import (
    ROOT,
    dockerfile_constraints,
    dockerfile_requirements,
    image_functions,
    installed_pins,
    requirement_lines,
)

REGENERATE = ".venv/bin/python tests/unit/deploy/image_constraints.py"


def image_pins(dockerfile: Path, context: Path) -> dict[str, str]:
    """What the Dockerfile's requirements install, at the venv's versions."""
    return installed_pins(line for file in dockerfile_requirements(dockerfile, context)
                          for line in requirement_lines(file))


def pin_drift(pinned: dict[str, str], installed: dict[str, str]) -> list[str]:
    """How a constraints file differs from what the venv has, one line per distribution."""
    return sorted(
        f"{name}: pinned {pinned.get(name, 'nowhere')}, venv {installed.get(name, 'not pulled in')}"
        for name in pinned.keys() | installed.keys() if pinned.get(name) != installed.get(name))


def constraints_text(function: str, dockerfile: Path, context: Path) -> str:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    header = [
        f"# {function}'s image ({dockerfile.relative_to(ROOT)}: pip install -c this file): every",
        "# distribution these requirements files pull in, at the version installed in the project's .venv,",
        f"# where the model was trained and the tests ran (resolved with the venv's Python {python}):",
        *(f"#   {file.relative_to(ROOT)}" for file in dockerfile_requirements(dockerfile, context)),
        "# Generated: after upgrading the venv or editing those files, regenerate from the repository root:",
        f"#   {REGENERATE}",
    ]
    pins = [f"{name}=={version}" for name, version in image_pins(dockerfile, context).items()]
    return "\n".join([*header, *pins, ""])


def main() -> None:
    for function, (dockerfile, context) in image_functions().items():
        for constraints in dockerfile_constraints(dockerfile, context):
            constraints.write_text(constraints_text(function, dockerfile, context), encoding="utf-8")
            print(f"{constraints.relative_to(ROOT)}: {function}")


if __name__ == "__main__":
    main()

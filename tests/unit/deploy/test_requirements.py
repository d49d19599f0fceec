"""sam build installs each zip function's CodeUri requirements.txt and the layer's; an image function
gets what its Dockerfile pip-installs and copies. Together they must cover what the handlers import and
be exactly what uv.lock gives (planetmail_local.lock), so the deployment cannot drift from the tested
environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_imports import (
    ROOT,
    canonical,
    distributions,
    docker_paths,
    dockerfile_requirements,
    installed_closure,
    packages_in,
    project_packages_reached,
    requirement_lines,
    third_party_modules,
)

from planetmail_local import lock
from planetmail_local.emulator.image_function import image_code
from planetmail_local.emulator.yaml_loader import load_template_document

TEMPLATE = load_template_document(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {name: spec for name, spec in RESOURCES.items() if spec["Type"] == "AWS::Serverless::Function"}
ZIP_FUNCTIONS = {name: spec["Properties"] for name, spec in FUNCTIONS.items()
                 if spec["Properties"].get("PackageType", "Zip") == "Zip"}
IMAGE_FUNCTIONS = {name: spec["Metadata"] for name, spec in FUNCTIONS.items() if name not in ZIP_FUNCTIONS}
LAYER = RESOURCES["CommonLayer"]
LAYER_DIR = ROOT / LAYER["Properties"]["ContentUri"]


def handler_module(handler: str) -> str:
    return handler.rsplit(".", 1)[0]


def test_the_functions_that_carry_scikit_learn_are_the_image_functions() -> None:
    assert set(IMAGE_FUNCTIONS) == {"ProcessorFunction", "RetrainFunction"}


@pytest.mark.parametrize("function", sorted(ZIP_FUNCTIONS))
def test_zip_functions_use_the_layer_built_by_sam_for_their_runtime(function: str) -> None:
    properties = ZIP_FUNCTIONS[function]
    assert properties["Runtime"] == LAYER["Metadata"]["BuildMethod"]
    assert properties["Layers"] == [{"Ref": "CommonLayer"}]
    assert (LAYER_DIR / "requirements.txt").is_file()


def test_every_deployment_requirements_file_is_generated_from_the_lock() -> None:
    deployed = {
        *(ROOT / p["CodeUri"] / "requirements.txt" for p in ZIP_FUNCTIONS.values()),
        LAYER_DIR / "requirements.txt",
        *(path for image in IMAGE_FUNCTIONS.values()
          for path in dockerfile_requirements(*docker_paths(image))),
    }

    assert deployed == {ROOT / package.path for package in lock.PACKAGES}
    assert lock.stale() == {}, f"regenerate with: .venv/bin/{lock.REGENERATE}"


def test_a_requirements_file_out_of_step_with_the_lock_is_found(tmp_path: Path) -> None:
    package = lock.PACKAGES[1]
    (tmp_path / package.path).parent.mkdir(parents=True)
    current = (ROOT / package.path).read_text(encoding="utf-8")
    (tmp_path / package.path).write_text(current.replace("fastapi==", "fastapi>="), encoding="utf-8")

    assert set(lock.stale((package,), tmp_path)) == {tmp_path / package.path}
    (tmp_path / package.path).write_text(current, encoding="utf-8")
    assert lock.stale((package,), tmp_path) == {}


def test_every_deployed_requirement_is_pinned_and_hashed() -> None:
    for package in lock.PACKAGES:
        text = (ROOT / package.path).read_text(encoding="utf-8")
        for line in requirement_lines(ROOT / package.path):
            assert "==" in line, f"{package.path}: {line} is not pinned"
        assert text.count("--hash=sha256:") >= len(requirement_lines(ROOT / package.path))


def test_the_layer_provides_what_the_planetmail_package_imports() -> None:
    modules = {".".join(path.relative_to(LAYER_DIR).with_suffix("").parts).removesuffix(".__init__")
               for path in (LAYER_DIR / "planetmail").rglob("*.py")}

    missing = distributions(third_party_modules(modules)) - installed_closure(
        requirement_lines(LAYER_DIR / "requirements.txt"))

    assert not missing, f"add {sorted(missing)} to {LAYER_DIR / 'requirements.txt'}"


@pytest.mark.parametrize("function", sorted(ZIP_FUNCTIONS))
def test_function_and_layer_requirements_provide_what_the_handler_imports(function: str) -> None:
    properties = ZIP_FUNCTIONS[function]
    listed = [*requirement_lines(ROOT / properties["CodeUri"] / "requirements.txt"),
              *requirement_lines(LAYER_DIR / "requirements.txt")]

    missing = distributions(third_party_modules([handler_module(properties["Handler"])])) - installed_closure(
        listed)

    assert not missing, f"add {sorted(missing)} to {properties['CodeUri']}/requirements.txt"


def missing_from_image(function: str, metadata: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The distributions and project packages the image's handler imports that its Dockerfile does
    not install (``pip install -r``) or copy into the task root (images take no layers)."""
    image = image_code(function, ROOT, metadata, {})
    imported = [handler_module(image.handler)]
    installed = [line for file in dockerfile_requirements(*docker_paths(metadata))
                 for line in requirement_lines(file)]
    copied = {package for source in image.source_dirs for package in packages_in(source)}
    return (distributions(third_party_modules(imported)) - installed_closure(installed),
            project_packages_reached(imported) - copied)


@pytest.mark.parametrize("function", sorted(IMAGE_FUNCTIONS))
def test_the_dockerfile_installs_and_copies_what_the_handler_imports(function: str) -> None:
    not_installed, not_copied = missing_from_image(function, IMAGE_FUNCTIONS[function])

    assert not not_installed, f"add {sorted(not_installed)} to a requirements file the Dockerfile installs"
    assert not not_copied, f"COPY {sorted(not_copied)} into ${{LAMBDA_TASK_ROOT}} in the Dockerfile"


@pytest.mark.parametrize(("removed", "not_installed", "not_copied"), [
    (" -r /tmp/requirements/processor.txt",
     {"scikit-learn", "numpy", "scipy", "skops", "lingua-language-detector", "pydantic", "boto3",
      "aws-lambda-powertools", "kafka-python", "botocore"}, set()),
    ("COPY common/planetmail ${LAMBDA_TASK_ROOT}/planetmail\n", set(), {"planetmail"}),
])
def test_a_dockerfile_without_an_install_or_a_copy_is_found(
        tmp_path: Path, removed: str, not_installed: set[str], not_copied: set[str]) -> None:
    metadata = IMAGE_FUNCTIONS["ProcessorFunction"]
    original = docker_paths(metadata)[0].read_text(encoding="utf-8")
    assert removed in original
    (tmp_path / "Dockerfile").write_text(original.replace(removed, ""), encoding="utf-8")

    found = missing_from_image("ProcessorFunction", {**metadata, "Dockerfile": str(tmp_path / "Dockerfile")})

    assert found == (not_installed, not_copied)


def test_a_handler_import_missing_from_the_requirements_is_found() -> None:
    imported = distributions(third_party_modules(["processor.handler"]))

    assert {"scikit-learn", "skops", "lingua-language-detector"} <= imported
    assert canonical("Jinja2") not in installed_closure(["scikit-learn>=1.5"])


@pytest.mark.parametrize("path", [package.path for package in lock.PACKAGES if "" in package.extras])
def test_kafka_clients_check_and_write_record_crcs_in_native_code(path: str) -> None:
    """kafka-python computes CRC32C in pure Python unless the ``crc32c`` package is importable: 0.55 ms
    of CPU per produced and 0.37 ms per consumed 3 KB record here, against 0.19 and 0.02 with it. Every
    Kafka client the functions build comes from the layer's set or the processor image's."""
    from kafka.record import util

    assert util.crc32c_c is not None, "the venv lacks crc32c: run 'make' (uv sync installs the lock)"
    assert any(line.startswith("crc32c==") for line in requirement_lines(ROOT / path))

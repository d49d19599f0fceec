"""Image functions run from the sources their Dockerfile copies into ${LAMBDA_TASK_ROOT}, with its CMD."""

from __future__ import annotations

from pathlib import Path

import pytest

from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.image_function import Instruction, parse_dockerfile
from planetmail_local.emulator.model import FunctionSpec
from planetmail_local.emulator.template import load_application

ROOT = Path(__file__).parents[3]
FIXTURE_APP = ROOT / "tests" / "fixtures" / "sam_app"
BASE = "FROM public.ecr.aws/lambda/python:3.12\n"
IMAGE_FUNCTION = """\
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {DockerContext: ., Dockerfile: build/Dockerfile}
    Properties:
      PackageType: Image
"""


def load_image_function(tmp_path: Path, dockerfile: str, resource: str = IMAGE_FUNCTION) -> FunctionSpec:
    """``Fn`` of a project with ``app/handler.py``, ``lib/shared/__init__.py`` and build/Dockerfile."""
    for path in (tmp_path / "app" / "handler.py", tmp_path / "lib" / "shared" / "__init__.py"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "Dockerfile").write_text(dockerfile)
    template = tmp_path / "template.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + resource)
    return load_application(template).functions["Fn"]


def test_the_fixture_image_runs_the_echo_handler_with_the_copied_layer_package(fixture_app):
    image = fixture_app.functions["ImageFunction"]

    assert (image.handler, image.runtime, image.memory_mb) == ("fixture.echo.handler", "python3.12", 256)
    assert image.code_dir == (FIXTURE_APP / "src").resolve()
    assert image.extra_code_dirs == ((FIXTURE_APP / "layer" / "python").resolve(),)
    assert image.layer_dirs == ()
    assert image.environment == {"TRACE_FILE": "", "GREETING": "hello"}


def test_the_processor_image_runs_from_its_package_and_the_planetmail_package():
    processor = load_application(ROOT / "template.yaml", kafka_bootstrap="b:1").functions["ProcessorFunction"]

    assert (processor.handler, processor.runtime) == ("processor.handler.handler", "python3.12")
    assert processor.code_dir == ROOT / "functions" / "processor"
    assert processor.extra_code_dirs == (ROOT / "functions" / "common",)
    assert processor.environment["PLANETMAIL_MODEL_PREFIX"] == "models/"


@pytest.mark.parametrize(
    ("copies", "code_dir", "extra"),
    [
        ("COPY app/ ${LAMBDA_TASK_ROOT}/\nCOPY lib/shared $LAMBDA_TASK_ROOT/shared\n", "app", ("lib",)),
        ("COPY --chown=1000 lib/shared app/handler.py /var/task/\n", "app", ("lib/shared",)),
        ("COPY app/handler.py ${LAMBDA_TASK_ROOT}/handler.py\nCOPY app /tmp/elsewhere\n", "app", ()),
    ],
)
def test_sources_copied_under_their_own_names_are_the_import_roots(tmp_path, copies, code_dir, extra):
    function = load_image_function(tmp_path, BASE + copies + 'CMD ["handler.handler"]\n')

    assert function.code_dir == tmp_path / code_dir
    assert function.extra_code_dirs == tuple(tmp_path / path for path in extra)


def test_image_config_command_overrides_the_dockerfile_cmd(tmp_path):
    resource = IMAGE_FUNCTION + "      ImageConfig: {Command: [handler.other]}\n"
    dockerfile = BASE + "COPY app ${LAMBDA_TASK_ROOT}/\nCMD handler.handler\n"

    assert load_image_function(tmp_path, dockerfile, resource).handler == "handler.other"


def test_dockerfile_instructions_join_continuations_and_drop_comments():
    text = "# comment\nfrom base\n\nRUN pip install \\\n    -r a.txt \\\n    -r b.txt\nCMD [\"x.y\"]\n"

    assert list(parse_dockerfile(text)) == [
        Instruction(2, "FROM", "base"),
        Instruction(4, "RUN", "pip install -r a.txt -r b.txt"),
        Instruction(7, "CMD", '["x.y"]'),
    ]


COPY_APP = "COPY app ${LAMBDA_TASK_ROOT}/\n"
CMD = 'CMD ["handler.handler"]\n'


@pytest.mark.parametrize(
    ("resource", "dockerfile", "message"),
    [
        (
            IMAGE_FUNCTION.replace("    Metadata: {DockerContext: ., Dockerfile: build/Dockerfile}\n", ""),
            BASE + COPY_APP + CMD,
            "function Fn: PackageType Image without Metadata DockerContext and Dockerfile cannot run",
        ),
        (
            IMAGE_FUNCTION.replace(", Dockerfile: build/Dockerfile", ""),
            BASE + COPY_APP + CMD,
            "add Metadata: {DockerContext: DIR, Dockerfile: FILE}",
        ),
        (
            IMAGE_FUNCTION.replace("build/Dockerfile", "Dockerfile.missing"),
            BASE + COPY_APP + CMD,
            "Dockerfile.missing does not exist; fix Metadata Dockerfile",
        ),
        (
            IMAGE_FUNCTION + "      Runtime: python3.12\n      Layers: [arn:aws:lambda:l]\n",
            BASE + COPY_APP + CMD,
            "function Fn: an Image function cannot have Runtime, Layers (its own or from Globals)",
        ),
        (
            IMAGE_FUNCTION,
            BASE + "COPY lib/shared ${LAMBDA_TASK_ROOT}/common\n" + COPY_APP + CMD,
            "line 2 'COPY lib/shared ${LAMBDA_TASK_ROOT}/common' renames its source in the task root",
        ),
        (
            IMAGE_FUNCTION,
            BASE + "COPY --from=build /out ${LAMBDA_TASK_ROOT}/\n" + CMD,
            "copies from a build stage; COPY sources from DockerContext",
        ),
        (IMAGE_FUNCTION, BASE + "COPY nowhere ${LAMBDA_TASK_ROOT}/\n" + CMD,
         "nowhere is not in DockerContext"),
        (IMAGE_FUNCTION, BASE + CMD, "copies nothing into ${LAMBDA_TASK_ROOT}; COPY the handler there"),
        (IMAGE_FUNCTION, BASE + "COPY app\n" + CMD, "line 2 'COPY app' names no source and destination"),
        (IMAGE_FUNCTION, BASE + COPY_APP, "names no handler; end it with CMD"),
        (
            IMAGE_FUNCTION,
            "FROM public.ecr.aws/lambda/nodejs:20\n" + COPY_APP + CMD,
            "not an AWS Lambda Python base image; only Python handlers run here",
        ),
        (
            IMAGE_FUNCTION,
            BASE + COPY_APP + 'CMD ["missing.handler"]\n',
            "handler module 'missing' not found under",
        ),
    ],
)
def test_an_image_function_that_cannot_run_from_sources_names_cause_and_fix(
    tmp_path, resource, dockerfile, message
):
    with pytest.raises(TemplateError, match="; ") as raised:
        load_image_function(tmp_path, dockerfile, resource)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)

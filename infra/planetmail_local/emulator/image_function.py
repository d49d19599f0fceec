"""Image functions (``PackageType: Image``) run locally from the sources their Dockerfile copies.

The emulator builds no image. It reads the function's SAM Metadata (``DockerContext``, ``Dockerfile``,
relative to the template and to the context as in ``sam build``) and applies one rule to the Dockerfile:

    the code is what the COPY lines put in ${LAMBDA_TASK_ROOT} under its own name:
    ``COPY SRC ${LAMBDA_TASK_ROOT}/NAME`` where SRC's last component is NAME makes SRC's parent
    directory an import root; ``COPY DIR ${LAMBDA_TASK_ROOT}/`` (DIR's contents) makes DIR one.

The handler is ``ImageConfig.Command[0]`` when the template sets it (as on AWS), else the Dockerfile's
last CMD; the runtime is the tag of the ``public.ecr.aws/lambda/python:X.Y`` base image. A copy into the
task root that the rule cannot map (another name, another build stage, a missing source) is refused with
the Dockerfile line. The worker runs on the emulator's own Python and packages, not on what the
Dockerfile's base image and pip install provide (``tests/unit/deploy`` checks the Dockerfile covers the
handler's imports).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from planetmail_local.emulator.errors import TemplateError

TASK_ROOT = PurePosixPath("/var/task")
"""``LAMBDA_TASK_ROOT`` of the AWS Lambda base images."""
TASK_ROOT_SPELLINGS = ("${LAMBDA_TASK_ROOT}", "$LAMBDA_TASK_ROOT")
PYTHON_BASE_IMAGE = re.compile(r"^(?:public\.ecr\.aws/lambda|amazon/aws-lambda)/python:(\d+\.\d+)\b")
ZIP_ONLY_PROPERTIES = ("Runtime", "Handler", "Layers")


@dataclasses.dataclass(frozen=True)
class ImageCode:
    handler: str
    runtime: str
    source_dirs: tuple[Path, ...]
    """Import roots in the order of the COPY lines."""


@dataclasses.dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    arguments: str

    def __str__(self) -> str:
        return f"line {self.line} '{self.keyword} {self.arguments}'"


def image_code(
    function: str, base: Path, metadata: Mapping[str, Any], properties: Mapping[str, Any]
) -> ImageCode:
    """``properties`` are the function's, Globals merged in: an image takes no Runtime, Handler, Layers."""
    present = [key for key in ZIP_ONLY_PROPERTIES if properties.get(key)]
    if present:
        raise TemplateError(
            f"function {function}: an Image function cannot have {', '.join(present)} (its own or from "
            "Globals); remove them from it and set them on each zip function instead of in Globals"
        )
    context, dockerfile = _docker_paths(function, base, metadata)
    instructions = list(parse_dockerfile(dockerfile.read_text(encoding="utf-8")))
    where = f"function {function}: {dockerfile}"
    sources = [root for item in instructions if item.keyword == "COPY"
               for root in _copied_roots(where, context, item)]
    if not sources:
        raise TemplateError(f"{where} copies nothing into {TASK_ROOT_SPELLINGS[0]}; COPY the handler there")
    return ImageCode(
        handler=_handler(where, instructions, properties.get("ImageConfig", {})),
        runtime=_runtime(where, instructions),
        source_dirs=tuple(dict.fromkeys(sources)),
    )


def parse_dockerfile(text: str) -> Iterator[Instruction]:
    """Instructions with their first line number; comments dropped, ``\\`` continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        start = start if pending else number
        pending.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            keyword, _, arguments = " ".join(pending).partition(" ")
            pending = []
            yield Instruction(start, keyword.upper(), arguments.strip())


def _docker_paths(function: str, base: Path, metadata: Mapping[str, Any]) -> tuple[Path, Path]:
    context_name, dockerfile_name = metadata.get("DockerContext"), metadata.get("Dockerfile")
    if not isinstance(context_name, str) or not isinstance(dockerfile_name, str):
        raise TemplateError(
            f"function {function}: PackageType Image without Metadata DockerContext and Dockerfile "
            "cannot run from sources (nor be built by sam build); "
            "add Metadata: {DockerContext: DIR, Dockerfile: FILE}"
        )
    context = (base / context_name).resolve()
    dockerfile = context / dockerfile_name
    if not dockerfile.is_file():
        raise TemplateError(
            f"function {function}: Dockerfile {dockerfile} does not exist; "
            "fix Metadata Dockerfile (relative to DockerContext)"
        )
    return context, dockerfile


def _copied_roots(where: str, context: Path, copy: Instruction) -> list[Path]:
    words = _words(copy.arguments)
    flags = [word for word in words if word.startswith("--")]
    paths_words = [word for word in words if not word.startswith("--")]
    if len(paths_words) < 2:
        raise TemplateError(f"{where} {copy} names no source and destination; write COPY SRC DEST")
    *sources, target = paths_words
    destination = _task_root_path(target)
    if destination is None:
        return []
    if any(flag.startswith("--from") for flag in flags):
        raise TemplateError(f"{where} {copy} copies from a build stage; COPY sources from DockerContext")
    paths = [context / source for source in sources]
    missing = [source for source, path in zip(sources, paths, strict=True) if not path.exists()]
    if missing:
        raise TemplateError(f"{where} {copy}: {missing[0]} is not in DockerContext {context}; fix the COPY")
    if destination == TASK_ROOT:
        return [path if path.is_dir() else path.parent for path in paths]
    if len(paths) == 1 and destination == TASK_ROOT / paths[0].name:
        return [paths[0].parent]
    raise TemplateError(
        f"{where} {copy} renames its source in the task root, which the emulator cannot map to a "
        "source directory; copy each SRC to ${LAMBDA_TASK_ROOT}/<its own name>"
    )


def _task_root_path(target: str) -> PurePosixPath | None:
    for spelling in TASK_ROOT_SPELLINGS:
        target = target.replace(spelling, str(TASK_ROOT))
    path = PurePosixPath(target)
    return path if path == TASK_ROOT or TASK_ROOT in path.parents else None


def _handler(where: str, instructions: list[Instruction], image_config: Mapping[str, Any]) -> str:
    command = image_config.get("Command") or next(
        (_words(item.arguments) for item in reversed(instructions) if item.keyword == "CMD"), []
    )
    if not command or not isinstance(command[0], str) or "." not in command[0]:
        raise TemplateError(
            f"{where} names no handler; end it with CMD [\"MODULE.FUNCTION\"] or set ImageConfig Command"
        )
    return command[0]


def _runtime(where: str, instructions: list[Instruction]) -> str:
    last_from = next((item.arguments for item in reversed(instructions) if item.keyword == "FROM"), "")
    image = next((word for word in _words(last_from) if not word.startswith("--")), "")
    match = PYTHON_BASE_IMAGE.match(image)
    if match is None:
        raise TemplateError(
            f"{where} starts FROM {image or 'nothing'}, not an AWS Lambda Python base image; "
            "only Python handlers run here (FROM public.ecr.aws/lambda/python:3.12)"
        )
    return f"python{match.group(1)}"


def _words(arguments: str) -> list[str]:
    """The exec form (a JSON array) or the shell form of an instruction's arguments."""
    if arguments.startswith("["):
        try:
            words = json.loads(arguments)
        except json.JSONDecodeError:
            words = None
        if isinstance(words, list) and all(isinstance(word, str) for word in words):
            return words
    return shlex.split(arguments)

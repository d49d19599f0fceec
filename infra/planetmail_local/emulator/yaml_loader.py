"""YAML with CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!If``...) as long-form dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from planetmail_local.emulator.errors import TemplateError

_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
)


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(tag_key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {tag_key: value}

    return construct


for _tag in _TAGS:
    _CfnLoader.add_constructor(f"!{_tag}", _construct(f"Fn::{_tag}"))
_CfnLoader.add_constructor("!Ref", _construct("Ref"))
_CfnLoader.add_constructor("!Condition", _construct("Condition"))


def load_template_document(path: Path) -> dict[str, Any]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - safe subclass
    except FileNotFoundError:
        raise TemplateError(f"template {path} does not exist; pass -t PATH/template.yaml") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"template {path} is not valid YAML ({exc}); fix the file") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"template {path} has no Resources; is it a SAM template?")
    return document

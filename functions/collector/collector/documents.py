"""JSON request documents: parse and validate, or a 400 that names what is wrong and where."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from collector.problems import BadRequest

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_object(body: bytes | str, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadRequest(f"{what} must be a JSON object, not {type(document).__name__}")
    return document


def validate(model: type[ModelT], document: Any, what: str) -> ModelT:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise BadRequest(f"{what}: {where}: {first['msg']}") from None

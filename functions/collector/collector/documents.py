"""JSON request documents: parse and validate, or a 400 that names what is wrong and where."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from collector.problems import BadRequest
from planetmail import codec
from planetmail.codec import RecordError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_object(body: bytes | str, what: str) -> dict[str, Any]:
    try:
        return codec.load_object(body, what)
    except RecordError as exc:
        raise BadRequest(str(exc)) from None


def validate(model: type[ModelT], document: Any, what: str) -> ModelT:
    try:
        return codec.validate_as(model, document, what)
    except RecordError as exc:
        raise BadRequest(str(exc)) from None

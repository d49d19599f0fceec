"""JSON (de)serialisation of Kafka values, dispatched on their ``schema`` field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planetmail.ack import ACK_SCHEMA, AckRequest
from planetmail.classification import CLASSIFIED_SCHEMA, ClassifiedEmail
from planetmail.inbound import EMAIL_SCHEMA, InboundEmail
from planetmail.lifecycle import EVENT_SCHEMA, LifecycleEvent

RECORD_TYPES: dict[str, type[BaseModel]] = {
    EMAIL_SCHEMA: InboundEmail,
    CLASSIFIED_SCHEMA: ClassifiedEmail,
    ACK_SCHEMA: AckRequest,
    EVENT_SCHEMA: LifecycleEvent,
}

ModelT = TypeVar("ModelT", bound=BaseModel)


class RecordError(ValueError):
    """A Kafka value is not a valid planetmail record; the message says why in one line."""


def encode(record: BaseModel) -> bytes:
    return record.model_dump_json(by_alias=True, exclude_none=False).encode("utf-8")


def to_dict(record: BaseModel) -> dict[str, Any]:
    return record.model_dump(mode="json", by_alias=True)


def decode(value: bytes | str) -> BaseModel:
    """Any planetmail record, typed by its ``schema``."""
    document = load_object(value)
    schema = document.get("schema")
    record_type = RECORD_TYPES.get(schema) if isinstance(schema, str) else None
    if record_type is None:
        known = ", ".join(sorted(RECORD_TYPES))
        raise RecordError(f"unknown schema {schema!r}; expected one of {known}")
    return validate_as(record_type, document)


def decode_as(record_type: type[ModelT], value: bytes | str) -> ModelT:
    """A record of one expected type; anything else is a RecordError."""
    return validate_as(record_type, load_object(value))


def load_object(value: bytes | str, what: str = "value") -> dict[str, Any]:
    """A JSON object, or a RecordError naming ``what`` and the problem."""
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise RecordError(f"{what} must be a JSON object, not {type(document).__name__}")
    return document


def validate_as(record_type: type[ModelT], document: Any, what: str | None = None) -> ModelT:
    """A typed model, or a RecordError naming the first invalid field."""
    try:
        return record_type.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        label = what or f"not a valid {record_type.__name__}"
        raise RecordError(f"{label}: {where}: {first['msg']}") from None

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
    document = _load(value)
    schema = document.get("schema")
    record_type = RECORD_TYPES.get(schema) if isinstance(schema, str) else None
    if record_type is None:
        known = ", ".join(sorted(RECORD_TYPES))
        raise RecordError(f"unknown schema {schema!r}; expected one of {known}")
    return _validate(record_type, document)


def decode_as(record_type: type[ModelT], value: bytes | str) -> ModelT:
    """A record of one expected type; anything else is a RecordError."""
    return _validate(record_type, _load(value))


def _load(value: bytes | str) -> dict[str, Any]:
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"value is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise RecordError(f"value is a JSON {type(document).__name__}, not an object")
    return document


def _validate(record_type: type[ModelT], document: dict[str, Any]) -> ModelT:
    try:
        return record_type.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise RecordError(f"not a valid {record_type.__name__}: {where}: {first['msg']}") from None

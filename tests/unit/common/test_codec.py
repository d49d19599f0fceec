from __future__ import annotations

import json

import pytest
from common_records import email, every_record
from pydantic import BaseModel

from planetmail.codec import RecordError, decode, decode_as, encode
from planetmail.inbound import InboundEmail
from planetmail.lifecycle import LifecycleEvent


@pytest.mark.parametrize("record", every_record(), ids=lambda r: type(r).__name__)
def test_every_record_round_trips_through_its_schema(record: BaseModel) -> None:
    assert decode(encode(record)) == record
    assert decode_as(type(record), encode(record)) == record


def test_wire_format_uses_aliases_and_keeps_unicode() -> None:
    document = json.loads(encode(email()))
    assert document["schema"] == "planetmail.email/v1"
    assert document["from"] == {"address": "Reader@Example.org", "name": "A Reader"}
    assert "from_" not in document and "schema_" not in document
    assert document["text"] == "Me encantó el artículo — ¡gracias!"


@pytest.mark.parametrize(("value", "message"), [
    (b"\xff\xfe", "value is not valid JSON"),
    (b"{not json", "value is not valid JSON"),
    (b"[1, 2]", "value must be a JSON object, not list"),
    (b'{"schema": "planetmail.nope/v9"}', "unknown schema 'planetmail.nope/v9'"),
    (b'{"id": "x"}', "unknown schema None"),
])
def test_decode_rejects_what_is_not_a_record(value: bytes, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        decode(value)


def test_invalid_field_is_named_in_one_line() -> None:
    document = json.loads(encode(email()))
    document["source"] = "fax"
    with pytest.raises(RecordError, match=r"^not a valid InboundEmail: source: ") as caught:
        decode(json.dumps(document))
    assert "\n" not in str(caught.value)


def test_decode_as_refuses_another_record_type() -> None:
    with pytest.raises(RecordError, match="not a valid LifecycleEvent"):
        decode_as(LifecycleEvent, encode(email()))


def test_unknown_fields_are_refused() -> None:
    document = {**json.loads(encode(email())), "surprise": 1}
    with pytest.raises(RecordError, match="surprise"):
        decode_as(InboundEmail, json.dumps(document))

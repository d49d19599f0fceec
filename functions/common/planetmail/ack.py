"""The ``planetmail.ack/v1`` record: a request to acknowledge one message (topic ``mail.ack``)."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import Field

from planetmail.classification import Classification
from planetmail.inbound import InboundEmail, Record

ACK_SCHEMA: Final = "planetmail.ack/v1"


class AckRequest(Record):
    schema_: Literal["planetmail.ack/v1"] = Field(ACK_SCHEMA, alias="schema")
    id: str
    email: InboundEmail
    classification: Classification
    requested_at: datetime

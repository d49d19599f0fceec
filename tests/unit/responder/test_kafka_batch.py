"""The edge conversion of an MSK / self-managed Kafka batch into ack requests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from planetmail import codec
from planetmail.ack import AckRequest
from planetmail.classification import Classification
from planetmail.inbound import Address, InboundEmail
from planetmail.kafka_event import batch_response
from responder.kafka_batch import ack_records

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def ack_value(tracking_id: str) -> str:
    email = InboundEmail.model_validate({"id": tracking_id, "received_at": NOW, "source": "api",
                                         "from": Address(address="a@example.com")})
    request = AckRequest(id=tracking_id, email=email, requested_at=NOW,
                         classification=Classification(category="praise", confidence=0.9, language="en",
                                                       classified_at=NOW))
    return base64.b64encode(codec.encode(request)).decode()


def msk_event(values: list[str]) -> dict[str, Any]:
    records = [{"topic": "mail.ack", "partition": 2, "offset": 40 + i, "timestamp": 1764115200000,
                "timestampType": "CREATE_TIME", "key": base64.b64encode(b"k").decode(), "value": value,
                "headers": []} for i, value in enumerate(values)]
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:123:cluster/c/1",
            "bootstrapServers": "b-1:9092", "records": {"mail.ack-2": records}}


def test_records_become_ack_requests_with_their_item_identifier() -> None:
    records = ack_records(msk_event([ack_value("T1"), ack_value("T2")]))
    assert [r.request.id for r in records if r.request] == ["T1", "T2"]
    assert records[1].item == {"partition": "mail.ack-2", "offset": 41}


def test_unreadable_record_is_an_error_not_an_exception() -> None:
    (record,) = ack_records(msk_event([base64.b64encode(b'{"schema": "nope"}').decode()]))
    assert record.request is None
    assert record.error and "AckRequest" in record.error


def test_batch_response_shape() -> None:
    item = {"partition": "mail.ack-2", "offset": 41}
    assert batch_response([item]) == {"batchItemFailures": [{"itemIdentifier": item}]}
    assert batch_response([]) == {"batchItemFailures": []}

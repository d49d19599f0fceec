"""The MSK / self-managed Kafka event (event-source mapping), converted at the edge into plain messages."""

from __future__ import annotations

import binascii
import dataclasses
from typing import Any

from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEvent, KafkaEventRecord


@dataclasses.dataclass(frozen=True)
class KafkaMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def item_identifier(self) -> dict[str, Any]:
        """How ReportBatchItemFailures names this record."""
        return {"partition": f"{self.topic}-{self.partition}", "offset": self.offset}


def batch_response(failed: list[dict[str, Any]]) -> dict[str, Any]:
    """The ReportBatchItemFailures answer: redeliver from the first failed record of each partition."""
    return {"batchItemFailures": [{"itemIdentifier": item} for item in failed]}


def kafka_messages(event: dict[str, Any]) -> list[KafkaMessage]:
    """Every record of the event, partitions in event order, offsets ascending within each."""
    return [_message(record) for record in KafkaEvent(event).records]


def _message(record: KafkaEventRecord) -> KafkaMessage:
    return KafkaMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=_decoded(record, "decoded_key"),
        value=_decoded(record, "decoded_value") or b"",
        headers=tuple((name, _java_bytes(raw))
                      for header in record.headers or [] for name, raw in header.items()),
    )


def _java_bytes(raw: list[int]) -> bytes:
    """Header values arrive as Java's signed ``byte[]`` (0xC3 is -61)."""
    return bytes(b & 0xFF for b in raw)


def _decoded(record: KafkaEventRecord, attribute: str) -> bytes | None:
    """A base64 field, or None when absent or not base64 (the record then fails validation)."""
    try:
        value = getattr(record, attribute)
    except (KeyError, TypeError, binascii.Error):
        return None
    return value if isinstance(value, bytes) else None

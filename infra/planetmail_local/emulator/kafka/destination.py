"""The on-failure destination ``kafka://TOPIC``: exhausted records with headers naming why.

The emulator's own format (``x-error``, ``x-source-topic``, ``x-source-partition``,
``x-source-offset``, ``x-attempts``); an application reads it as it likes (planetmail's
``planetmail.dead_letters`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from planetmail_local.emulator.kafka.event import KafkaRecord

SEND_TIMEOUT_SECONDS = 15


def failure_headers(error: str, record: KafkaRecord, attempts: int) -> list[tuple[str, bytes]]:
    """What a dead-lettered record carries besides its own headers."""
    values = {"x-error": error[:1000], "x-source-topic": record.topic, "x-source-partition": record.partition,
              "x-source-offset": record.offset, "x-attempts": attempts}
    return [(name, str(value).encode("utf-8", "replace")) for name, value in values.items()]


class FailureDestination:
    def __init__(self, topic: str, client_options: dict[str, Any]) -> None:
        self.topic = topic
        self._producer = KafkaProducer(
            **client_options,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_request_size=8 * 1024 * 1024,
        )

    def send(self, records: Sequence[KafkaRecord], error: str, attempts: int) -> None:
        """Returns once the destination acknowledged every record (so committing past them is safe)."""
        futures = [
            self._producer.send(
                self.topic,
                key=r.key,
                value=r.value,
                headers=[*r.headers, *failure_headers(error, r, attempts)],
            )
            for r in records
        ]
        for future in futures:
            future.get(timeout=SEND_TIMEOUT_SECONDS)

    def close(self) -> None:
        self._producer.close(timeout=5)

"""The on-failure destination ``kafka://TOPIC``: exhausted records with headers naming why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from planetmail.dead_letters import dead_letter_headers
from planetmail_local.emulator.kafka.event import KafkaRecord

SEND_TIMEOUT_SECONDS = 15


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
                headers=[*r.headers, *dead_letter_headers(error, r.topic, r.partition, r.offset, attempts)],
            )
            for r in records
        ]
        for future in futures:
            future.get(timeout=SEND_TIMEOUT_SECONDS)

    def close(self) -> None:
        self._producer.close(timeout=5)

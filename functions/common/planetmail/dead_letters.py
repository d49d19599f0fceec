"""Records that could not be processed, on ``mail.dlq``: the original key and value plus error headers.

A handler rejecting a record that can never succeed writes these headers with ``dead_letter_headers``;
the local emulator's on-failure destination writes the same names, so ``planetmail dlq`` lists and
replays both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

HEADER_ERROR = "x-error"
HEADER_SOURCE_TOPIC = "x-source-topic"
HEADER_SOURCE_PARTITION = "x-source-partition"
HEADER_SOURCE_OFFSET = "x-source-offset"
HEADER_ATTEMPTS = "x-attempts"
HEADER_SOURCE_MAILBOX = "x-source-mailbox"
"""Set instead of a source topic on an IMAP message the collector quarantined (``user@host/mailbox#uid``):
it is in the mailbox's quarantine folder and is not replayed through Kafka."""

KafkaHeaders = list[tuple[str, bytes]]


def dead_letter_headers(error: str, source_topic: str, partition: int, offset: int,
                        attempts: int) -> KafkaHeaders:
    return [
        (HEADER_ERROR, error[:1000].encode("utf-8", "replace")),
        (HEADER_SOURCE_TOPIC, source_topic.encode()),
        (HEADER_SOURCE_PARTITION, str(partition).encode()),
        (HEADER_SOURCE_OFFSET, str(offset).encode()),
        (HEADER_ATTEMPTS, str(attempts).encode()),
    ]


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: bytes | None
    value: bytes
    error: str
    source_topic: str
    source_partition: int | None
    source_offset: int | None
    attempts: int | None
    source_mailbox: str = ""

    @classmethod
    def from_record(cls, offset: int, key: bytes | None, value: bytes,
                    headers: Sequence[tuple[str, bytes]]) -> DeadLetter:
        named = {name: raw.decode("utf-8", "replace") for name, raw in headers}
        return cls(
            offset=offset,
            key=key,
            value=value,
            error=named.get(HEADER_ERROR, ""),
            source_topic=named.get(HEADER_SOURCE_TOPIC, ""),
            source_partition=_int(named.get(HEADER_SOURCE_PARTITION)),
            source_offset=_int(named.get(HEADER_SOURCE_OFFSET)),
            attempts=_int(named.get(HEADER_ATTEMPTS)),
            source_mailbox=named.get(HEADER_SOURCE_MAILBOX, ""),
        )


def _int(text: str | None) -> int | None:
    return int(text) if text and text.lstrip("-").isdigit() else None

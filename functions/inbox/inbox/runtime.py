"""The inbox's clients, created on first use and kept while the Lambda worker is warm."""

from __future__ import annotations

import functools
from typing import Any, Final

from kafka import KafkaProducer

from inbox.decisions import Decisions
from inbox.settings import InboxSettings
from inbox.store import InboxStore
from planetmail import aws
from planetmail.kafka import make_producer
from planetmail.status import StatusStore

KAFKA_MAX_BLOCK_MS: Final = 5_000


class Runtime:
    def __init__(self, settings: InboxSettings | None = None) -> None:
        self._settings = settings

    @functools.cached_property
    def settings(self) -> InboxSettings:
        return self._settings or InboxSettings.load()

    @functools.cached_property
    def dynamodb(self) -> Any:
        return aws.client("dynamodb", self.settings.pipeline)

    @functools.cached_property
    def s3(self) -> Any:
        return aws.client("s3", self.settings.pipeline)

    @functools.cached_property
    def store(self) -> InboxStore:
        return InboxStore(self.dynamodb, self.settings.table)

    @functools.cached_property
    def status(self) -> StatusStore:
        return StatusStore(self.settings.pipeline, self.dynamodb)

    @functools.cached_property
    def producer(self) -> KafkaProducer:
        return make_producer(self.settings.pipeline, max_block_ms=KAFKA_MAX_BLOCK_MS)

    @functools.cached_property
    def decisions(self) -> Decisions:
        return Decisions(self.settings.pipeline, self.store, self.producer, self.status)

    def close(self) -> None:
        producer = self.__dict__.pop("producer", None)
        if producer is not None:
            producer.close(timeout=5)

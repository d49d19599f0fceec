"""The collector's clients, created on first use and kept for the life of a warm Lambda.

A failed creation is not cached (the next request tries again), so a collector started while Kafka
was down recovers on its own.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import httpx
from kafka import KafkaProducer
from kafka.errors import KafkaError

from collector.ledger import Ledger
from collector.problems import ServiceUnavailable
from planetmail import aws
from planetmail.events import LifecycleReporter
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from planetmail.status import StatusStore

Fetcher = Callable[[str], bytes]
"""GET a URL and return the body (SNS signing certificates, subscription confirmations)."""

FETCH_TIMEOUT_SECONDS = 5.0
KAFKA_MAX_BLOCK_MS = 5_000
KAFKA_ACK_TIMEOUT_SECONDS = 15.0


def http_get(url: str) -> bytes:
    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(f"could not fetch {url}: {exc}") from None
    return response.content


class Runtime:
    def __init__(
        self,
        settings: Settings | None = None,
        fetch: Fetcher = http_get,
        clock: Callable[[], float] = time.time,
        ack_timeout: float = KAFKA_ACK_TIMEOUT_SECONDS,
    ) -> None:
        self._settings = settings
        self.fetch = fetch
        self.clock = clock
        self.ack_timeout = ack_timeout
        """Seconds to wait for the broker's acknowledgement before answering 503."""

    @functools.cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.load()

    @functools.cached_property
    def producer(self) -> KafkaProducer:
        try:
            return make_producer(self.settings, max_block_ms=KAFKA_MAX_BLOCK_MS,
                                 bootstrap_timeout_ms=KAFKA_MAX_BLOCK_MS)
        except KafkaError as exc:
            raise ServiceUnavailable(f"Kafka is unreachable ({type(exc).__name__}); retry later") from None

    @functools.cached_property
    def s3(self) -> Any:
        return aws.client("s3", self.settings)

    @functools.cached_property
    def dynamodb(self) -> Any:
        return aws.client("dynamodb", self.settings)

    @functools.cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.dynamodb, self.settings.idempotency_table, self.clock)

    @functools.cached_property
    def status(self) -> StatusStore:
        return StatusStore(self.settings, self.dynamodb)

    @functools.cached_property
    def reporter(self) -> LifecycleReporter:
        return LifecycleReporter(self.settings, self.producer, self.status)

    def close(self) -> None:
        producer = self.__dict__.pop("producer", None)
        if producer is not None:
            producer.close(timeout=5)

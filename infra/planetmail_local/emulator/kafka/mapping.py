"""A running Kafka event-source mapping: pollers that grow with lag up to the partition count."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaAdminClient

from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.kafka.destination import FailureDestination
from planetmail_local.emulator.kafka.lag import LagProbe
from planetmail_local.emulator.kafka.poller import KafkaPoller
from planetmail_local.emulator.kafka.processor import Backoff, BatchProcessor, Invoke
from planetmail_local.emulator.kafka.stats import MappingCounters
from planetmail_local.emulator.model import KafkaMapping

log = logging.getLogger(__name__)

SCALE_INTERVAL_SECONDS = 2.0
IDLE_CHECKS_BEFORE_SHRINK = 3


class KafkaEventSourceMapping:
    def __init__(
        self,
        mapping: KafkaMapping,
        invoke: Invoke,
        client_options: dict[str, Any],
        backoff: Backoff | None = None,
        scale_interval: float = SCALE_INTERVAL_SECONDS,
    ) -> None:
        self.mapping = mapping
        self.counters = MappingCounters()
        self._invoke = invoke
        self._options = {**client_options, "bootstrap_servers": mapping.bootstrap_servers.split(",")}
        self._backoff = backoff
        self._scale_interval = scale_interval
        self._stop = threading.Event()
        self._pollers: list[tuple[threading.Thread, threading.Event]] = []
        self._destination: FailureDestination | None = None
        self._probe: LagProbe | None = None
        self._scaler: threading.Thread | None = None
        self._idle_checks = 0

    def start(self) -> None:
        check_topics_exist(self.mapping, self._options)
        if self.mapping.on_failure_topic:
            self._destination = FailureDestination(self.mapping.on_failure_topic, self._options)
        self._probe = LagProbe(self.mapping.topics[0], self.mapping.consumer_group, self._options)
        self._probe.wait_for_partitions()
        self._add_poller()
        self._scaler = threading.Thread(
            target=self._scale_loop, name=f"scaler {self.mapping.name}", daemon=True
        )
        self._scaler.start()

    def stop(self) -> None:
        self._stop.set()
        for _, stop in self._pollers:
            stop.set()
        for thread, _ in self._pollers:
            thread.join(timeout=30)
        if self._scaler:
            self._scaler.join(timeout=10)
        if self._destination:
            self._destination.close()
        if self._probe:
            self._probe.close()

    def status(self) -> dict[str, Any]:
        return {
            "function": self.mapping.function,
            "topics": list(self.mapping.topics),
            "consumer_group": self.mapping.consumer_group,
            **self.counters.snapshot(),
        }

    def _add_poller(self) -> None:
        stop = threading.Event()
        poller = KafkaPoller(self.mapping, self._options, stop)
        destination = self._destination
        processor = BatchProcessor(
            self.mapping,
            self._invoke,
            poller.settle,
            destination.send if destination else _no_destination,
            self.counters,
            stop,
            self._backoff,
        )
        thread = threading.Thread(
            target=self._run_poller, args=(poller, processor), name=f"poller {self.mapping.name}", daemon=True
        )
        self._pollers.append((thread, stop))
        self.counters.set(pollers=len(self._pollers))
        thread.start()

    def _run_poller(self, poller: KafkaPoller, processor: BatchProcessor) -> None:
        try:
            poller.run(processor)
        except Exception:
            log.exception("%s: poller failed; the scaler starts another", self.mapping.name)

    def _remove_poller(self) -> None:
        thread, stop = self._pollers.pop()
        stop.set()
        thread.join(timeout=30)
        self.counters.set(pollers=len(self._pollers))

    def _scale_loop(self) -> None:
        while not self._stop.wait(self._scale_interval):
            try:
                self._scale()
            except Exception as exc:  # Kafka away for a moment: keep the current pollers
                log.warning("%s: scaling check failed: %s", self.mapping.name, exc)

    def _scale(self) -> None:
        assert self._probe is not None
        self._pollers = [(t, s) for t, s in self._pollers if t.is_alive()]
        lag = self._probe.lag()
        limit = min(len(self._probe.partitions()), self.mapping.maximum_pollers or 1 << 30)
        self.counters.set(lag=lag, pollers=len(self._pollers))
        self._idle_checks = self._idle_checks + 1 if lag == 0 else 0
        if not self._pollers or (
            lag > self.mapping.batch_size * len(self._pollers) and len(self._pollers) < limit
        ):
            self._add_poller()
        elif self._idle_checks >= IDLE_CHECKS_BEFORE_SHRINK and len(self._pollers) > 1:
            self._remove_poller()
            self._idle_checks = 0


def check_topics_exist(mapping: KafkaMapping, options: dict[str, Any]) -> None:
    admin = KafkaAdminClient(**options)
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    wanted = [*mapping.topics, *([mapping.on_failure_topic] if mapping.on_failure_topic else [])]
    for topic in wanted:
        if topic not in existing:
            raise TemplateError(
                f"{mapping.name}: topic {topic!r} does not exist on {mapping.bootstrap_servers}; "
                "create it (planetmail up creates the contract topics) or fix Topics/Destination"
            )


def _no_destination(*_: Any) -> None:
    """Without an on-failure destination, exhausted records are discarded, as on AWS."""

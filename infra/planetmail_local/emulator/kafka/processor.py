"""One batch through the function with AWS's rules: retries with backoff, MaximumRetryAttempts,
MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, ReportBatchItemFailures and the on-failure topic.

Records are settled (committed) only as a prefix of their partition, so per-partition order holds and a
record is never committed before the function succeeded for it (or it went to the on-failure topic).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from planetmail_local.emulator.kafka.event import KafkaRecord, kafka_event
from planetmail_local.emulator.kafka.filters import filter_document, record_matches
from planetmail_local.emulator.kafka.outcome import BatchOutcome, batch_outcome
from planetmail_local.emulator.kafka.stats import MappingCounters
from planetmail_local.emulator.model import KafkaMapping
from planetmail_local.emulator.runtime.invocation import Invocation

Invoke = Callable[[Any], Invocation]
Settle = Callable[[Sequence[KafkaRecord]], None]
DeadLetter = Callable[[Sequence[KafkaRecord], str, int], None]


class Backoff:
    def __init__(self, first_seconds: float = 0.2, maximum_seconds: float = 5.0) -> None:
        self.first_seconds = first_seconds
        self.maximum_seconds = maximum_seconds

    def delay(self, attempt: int) -> float:
        return float(min(self.maximum_seconds, self.first_seconds * 2 ** max(0, attempt - 1)))


class BatchProcessor:
    def __init__(
        self,
        mapping: KafkaMapping,
        invoke: Invoke,
        settle: Settle,
        dead_letter: DeadLetter,
        counters: MappingCounters,
        stop: threading.Event,
        backoff: Backoff | None = None,
    ) -> None:
        self._mapping = mapping
        self._invoke = invoke
        self._settle = settle
        self._dead_letter = dead_letter
        self._counters = counters
        self._stop = stop
        self._backoff = backoff or Backoff()

    def process(self, batch: Sequence[KafkaRecord]) -> None:
        wanted = [record for record in batch if self._wanted(record)]
        if len(wanted) < len(batch):
            self._counters.add(filtered=len(batch) - len(wanted))
        if wanted:
            self._process(wanted)
        if not self._stop.is_set():
            self._settle(batch)  # filtered-out records, including any after the last invoked one

    def _wanted(self, record: KafkaRecord) -> bool:
        document = filter_document(
            record.topic, record.partition, record.offset, record.timestamp, record.value
        )
        return record_matches(self._mapping.filters, document)

    def _process(self, records: Sequence[KafkaRecord]) -> None:
        attempts = 0
        pending = list(records)
        while pending and not self._stop.is_set():
            outcome = self._attempt(pending)
            attempts += 1
            self._settle(outcome.succeeded)
            if not outcome.failed:
                return
            if outcome.function_error and self._mapping.bisect_on_error and len(outcome.failed) > 1:
                middle = len(outcome.failed) // 2
                self._process(outcome.failed[:middle])
                self._process(outcome.failed[middle:])
                return
            pending = self._expire(outcome, attempts)
            if pending and self._exhausted(attempts):
                self._give_up(pending, outcome.error, attempts)
                return
            if pending:
                self._stop.wait(self._backoff.delay(attempts))

    def _attempt(self, records: Sequence[KafkaRecord]) -> BatchOutcome:
        self._counters.begin_batch()
        try:
            invocation = self._invoke(kafka_event(self._mapping, records))
        finally:
            self._counters.end_batch()
        outcome = batch_outcome(invocation, records, self._mapping.report_batch_item_failures)
        self._counters.add(processed=len(outcome.succeeded), failed_invocations=int(bool(outcome.failed)))
        return outcome

    def _exhausted(self, attempts: int) -> bool:
        limit = self._mapping.retry_limit
        return limit is not None and attempts > limit

    def _expire(self, outcome: BatchOutcome, attempts: int) -> list[KafkaRecord]:
        """Send records older than MaximumRecordAgeInSeconds to the destination; return the rest."""
        max_age = self._mapping.maximum_record_age_seconds
        if max_age < 0:
            return outcome.failed
        oldest_allowed_ms = (time.time() - max_age) * 1000
        expired = [r for r in outcome.failed if r.timestamp < oldest_allowed_ms]
        if expired:
            self._give_up(expired, "MaximumRecordAgeInSeconds exceeded: " + outcome.error, attempts)
        return [r for r in outcome.failed if r.timestamp >= oldest_allowed_ms]

    def _give_up(self, records: Sequence[KafkaRecord], error: str, attempts: int) -> None:
        if self._mapping.on_failure_topic:
            self._dead_letter(records, error, attempts)
        self._counters.add(
            dead_lettered=len(records) if self._mapping.on_failure_topic else 0,
            discarded=0 if self._mapping.on_failure_topic else len(records),
        )
        self._settle(records)

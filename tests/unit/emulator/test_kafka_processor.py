"""BatchProcessor: AWS's retry, bisect, partial-failure, age and destination rules (scripted function)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any

from kafka_records import Record, mapping, records

from planetmail_local.emulator.kafka.processor import Backoff, BatchProcessor
from planetmail_local.emulator.kafka.stats import MappingCounters
from planetmail_local.emulator.model import KafkaMapping
from planetmail_local.emulator.runtime.invocation import Invocation

NO_WAIT = Backoff(0.0, 0.0)


class Harness:
    """Records every invocation, commit and dead letter; the function is a rule on the event's records."""

    def __init__(self, rule: Callable[[list[dict[str, Any]]], Invocation], **changes: Any) -> None:
        self.mapping: KafkaMapping = mapping(**changes)
        self.invocations: list[list[int]] = []
        self.commits: list[int] = []
        self.dead: list[tuple[list[int], str, int]] = []
        self.stop = threading.Event()
        self.counters = MappingCounters()
        self._rule = rule
        self.processor = BatchProcessor(
            self.mapping, self._invoke, self._settle, self._dead_letter, self.counters, self.stop, NO_WAIT
        )

    def _invoke(self, event: dict[str, Any]) -> Invocation:
        batch = [r for rs in event["records"].values() for r in rs]
        self.invocations.append([r["offset"] for r in batch])
        if len(self.invocations) > 500:
            self.stop.set()
        return self._rule(batch)

    def _settle(self, settled: Any) -> None:
        if settled:
            self.commits.append(max(r.offset for r in settled) + 1)

    def _dead_letter(self, letters: Any, error: str, attempts: int) -> None:
        self.dead.append(([r.offset for r in letters], error, attempts))


def _values(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(base64.b64decode(r["value"])) for r in batch]


def fail_if_poisoned(batch: list[dict[str, Any]]) -> Invocation:
    if any(v.get("poison") for v in _values(batch)):
        return Invocation("r", json.dumps({"errorType": "Poison", "errorMessage": "bad record"}), "Poison")
    return Invocation("r", "null")


def report_poisoned(batch: list[dict[str, Any]]) -> Invocation:
    failures = [
        {"itemIdentifier": {"partition": f"{r['topic']}-{r['partition']}", "offset": r["offset"]}}
        for r, v in zip(batch, _values(batch), strict=True)
        if v.get("poison")
    ]
    return Invocation("r", json.dumps({"batchItemFailures": failures}))


def test_success_commits_past_the_batch():
    harness = Harness(fail_if_poisoned)
    harness.processor.process(records(4))
    assert harness.invocations == [[0, 1, 2, 3]]
    assert harness.commits[-1] == 4
    assert harness.counters.processed == 4


def test_retries_then_sends_the_batch_to_the_destination_and_moves_on():
    harness = Harness(fail_if_poisoned, maximum_retry_attempts=2, on_failure_topic="dlq")
    harness.processor.process(records(2, values={1: {"poison": True}}))
    assert harness.invocations == [[0, 1]] * 3
    assert harness.dead == [([0, 1], "Poison: bad record", 3)]
    assert harness.commits[-1] == 2


def test_without_destination_exhausted_records_are_discarded():
    harness = Harness(fail_if_poisoned, maximum_retry_attempts=0)
    harness.processor.process(records(1, values={0: {"poison": True}}))
    assert (harness.dead, harness.counters.discarded, harness.commits[-1]) == ([], 1, 1)


def test_bisect_isolates_the_one_bad_record_of_a_hundred():
    harness = Harness(
        fail_if_poisoned, maximum_retry_attempts=0, bisect_on_error=True, on_failure_topic="dlq"
    )
    harness.processor.process(records(100, values={63: {"poison": True}}))
    assert harness.dead == [([63], "Poison: bad record", 1)]
    assert harness.counters.processed == 99
    assert harness.commits == sorted(harness.commits)
    assert harness.commits[-1] == 100


def test_partial_failure_commits_up_to_the_failure_and_redelivers_from_there():
    harness = Harness(
        report_poisoned, report_batch_item_failures=True, maximum_retry_attempts=1, on_failure_topic="dlq"
    )
    harness.processor.process(records(10, values={4: {"poison": True}, 7: {"poison": True}}))
    assert harness.invocations == [list(range(10)), list(range(4, 10))]
    assert harness.commits[0] == 4
    assert harness.dead == [(list(range(4, 10)), "ReportBatchItemFailures: record reported as failed", 2)]


def test_unlimited_retries_block_the_partition_until_stopped():
    harness = Harness(fail_if_poisoned)
    harness.processor.process(records(1, values={0: {"poison": True}}))
    assert len(harness.invocations) > 500
    assert (harness.commits, harness.dead) == ([], [])


def test_records_older_than_the_maximum_age_go_to_the_destination_without_retries():
    harness = Harness(fail_if_poisoned, maximum_record_age_seconds=60, on_failure_topic="dlq")
    harness.processor.process([Record(offset=0, timestamp=0, value=b'{"poison": true}')])
    assert harness.invocations == [[0]]
    assert harness.dead[0][0] == [0]
    assert harness.dead[0][1].startswith("MaximumRecordAgeInSeconds exceeded")


def test_filtered_out_records_are_committed_without_an_invocation():
    harness = Harness(fail_if_poisoned, filters=({"value": {"n": [1]}},))
    harness.processor.process(records(3))
    assert harness.invocations == [[1]]
    assert harness.commits[-1] == 3
    assert harness.counters.filtered == 2


def test_backoff_doubles_up_to_the_maximum():
    backoff = Backoff(0.5, 3.0)
    assert [backoff.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]

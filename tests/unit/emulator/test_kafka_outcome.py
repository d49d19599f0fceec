"""What an invocation means for each record of the batch."""

from __future__ import annotations

import json

import pytest
from kafka_records import records

from planetmail_local.emulator.kafka.outcome import batch_outcome
from planetmail_local.emulator.runtime.invocation import Invocation


def _ok(response: object) -> Invocation:
    return Invocation("r", json.dumps(response))


def _failure(partition: str, offset: object) -> dict[str, object]:
    return {"itemIdentifier": {"partition": partition, "offset": offset}}


def test_success_settles_everything():
    batch = records(3)
    outcome = batch_outcome(_ok(None), batch, report_item_failures=True)
    assert (outcome.succeeded, outcome.failed) == (batch, [])


def test_function_error_fails_the_whole_batch():
    batch = records(3)
    invocation = Invocation("r", json.dumps({"errorType": "ValueError", "errorMessage": "bad"}), "ValueError")
    outcome = batch_outcome(invocation, batch, report_item_failures=True)
    assert (outcome.succeeded, outcome.failed, outcome.error) == ([], batch, "ValueError: bad")
    assert outcome.function_error


def test_partial_failure_splits_each_partition_at_its_first_failure():
    batch = records(5) + records(3, partition=1)
    response = {
        "batchItemFailures": [_failure("orders-0", 3), _failure("orders-0", 1), _failure("orders-1", "2")]
    }
    outcome = batch_outcome(_ok(response), batch, report_item_failures=True)
    assert [(r.partition, r.offset) for r in outcome.succeeded] == [(0, 0), (1, 0), (1, 1)]
    assert [(r.partition, r.offset) for r in outcome.failed] == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2)]
    assert not outcome.function_error


@pytest.mark.parametrize(
    "failures",
    [
        [_failure("orders-0", 99)],
        [_failure("other-0", 1)],
        [{"itemIdentifier": None}],
        ["orders-0"],
    ],
)
def test_unknown_identifiers_fail_the_whole_batch(failures):
    batch = records(3)
    outcome = batch_outcome(_ok({"batchItemFailures": failures}), batch, report_item_failures=True)
    assert outcome.failed == batch


def test_item_failures_are_ignored_without_report_batch_item_failures():
    batch = records(2)
    outcome = batch_outcome(
        _ok({"batchItemFailures": [_failure("orders-0", 0)]}), batch, report_item_failures=False
    )
    assert outcome.succeeded == batch

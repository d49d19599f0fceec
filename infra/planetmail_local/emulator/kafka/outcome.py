"""What an invocation means for the records of its batch (pure): which succeeded, which must be retried."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from planetmail_local.emulator.kafka.event import KafkaRecord, partition_key
from planetmail_local.emulator.runtime.invocation import Invocation


@dataclasses.dataclass(frozen=True)
class BatchOutcome:
    succeeded: list[KafkaRecord]
    """A prefix of every partition's records: safe to commit."""
    failed: list[KafkaRecord]
    error: str
    function_error: bool
    """The whole invocation failed (raised, timed out, crashed), as opposed to reported item failures."""


def batch_outcome(
    invocation: Invocation, batch: Sequence[KafkaRecord], report_item_failures: bool
) -> BatchOutcome:
    if invocation.failed:
        return BatchOutcome([], list(batch), _error_text(invocation), function_error=True)
    if not report_item_failures:
        return BatchOutcome(list(batch), [], "", function_error=False)
    first_failures = _first_failure_per_partition(invocation.result(), batch)
    if first_failures is None:
        return BatchOutcome(
            [],
            list(batch),
            "ReportBatchItemFailures: unknown or malformed itemIdentifier",
            function_error=False,
        )

    def is_failed(record: KafkaRecord) -> bool:
        return record.offset >= first_failures.get(partition_key(record.topic, record.partition), 1 << 62)

    failed = [r for r in batch if is_failed(r)]
    succeeded = [r for r in batch if not is_failed(r)]
    return BatchOutcome(
        succeeded, failed, "ReportBatchItemFailures: record reported as failed", function_error=False
    )


def _first_failure_per_partition(response: Any, batch: Sequence[KafkaRecord]) -> dict[str, int] | None:
    """``{"topic-0": first failed offset}``; None when an identifier is unknown (the whole batch failed)."""
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return {}
    known = {(partition_key(r.topic, r.partition), r.offset) for r in batch}
    firsts: dict[str, int] = {}
    for failure in response["batchItemFailures"]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, dict):
            return None
        key = (str(identifier.get("partition")), _int(identifier.get("offset")))
        if key not in known:
            return None
        firsts[key[0]] = min(firsts.get(key[0], key[1]), key[1])
    return firsts


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _error_text(invocation: Invocation) -> str:
    try:
        document = invocation.result()
        return f"{document.get('errorType')}: {document.get('errorMessage')}"
    except ValueError:
        return invocation.error_type or "error"

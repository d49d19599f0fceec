"""The invocation's remaining time becomes every send's deadline, less what settling it needs."""

from __future__ import annotations

import sys
import time
from typing import Any

from test_kafka_batch import ack_value, msk_event

from responder.acknowledgement import Outcome
from responder.handler import SETTLE_RESERVE_MS, handle, send_deadline


def test_the_deadline_leaves_time_to_settle_and_none_without_a_lambda_context() -> None:
    before = time.monotonic()
    deadline = send_deadline(30_000)
    assert deadline is not None
    assert before + 30 - SETTLE_RESERVE_MS / 1000 <= deadline <= time.monotonic() + 30
    assert send_deadline(sys.maxsize) is None


class RecordingResponder:
    def __init__(self) -> None:
        self.deadlines: list[float | None] = []

    def look_up(self, requests: Any) -> None:
        list(requests)

    def acknowledge(self, request: Any, deadline: float | None = None) -> Outcome:
        self.deadlines.append(deadline)
        return Outcome.ACKNOWLEDGED

    def flush(self) -> None: ...


def test_each_record_is_sent_within_the_invocation() -> None:
    responder = RecordingResponder()
    handle(msk_event([ack_value("T1")]), responder, remaining_ms=lambda: 25_000)  # type: ignore[arg-type]
    (deadline,) = responder.deadlines
    assert deadline is not None and deadline < time.monotonic() + 25

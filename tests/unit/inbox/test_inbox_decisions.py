"""A decision Kafka did not take is undone: the row goes back to what staff saw (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from inbox.decisions import Decisions, NotRecorded
from inbox.store import packed
from planetmail.inbound import Address, InboundEmail, utcnow
from planetmail.settings import Settings


class RowsInMemory:
    """Just the two store calls a decision makes, keeping the row in a dict."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self.moves: list[tuple[str, str]] = []

    def get(self, tracking_id: str) -> dict[str, Any]:
        return self.item

    def move(self, item: dict[str, Any], category: str, state: str, extra: dict[str, Any]) -> dict[str, Any]:
        self.moves.append((category, state))
        self.item = {**self.item, "category": {"S": category}, "state": {"S": state}}
        return self.item


class RefusingProducer:
    def send(self, topic: str, key: bytes, value: bytes) -> Any:
        raise KafkaTimeoutError("no broker")

    def flush(self, timeout: float) -> None:
        raise AssertionError("never reached")


class NoStatus:
    def record_all(self, events: Any) -> None:
        raise AssertionError("no status row for a decision Kafka refused")


def test_a_refused_decision_puts_the_row_back() -> None:
    email = InboundEmail(id="01TESTTESTTESTTESTTESTTEST", received_at=utcnow(), source="api",
                         from_=Address(address="ana@example.org"), text="hello")
    item = {"id": {"S": email.id}, "category": {"S": "human_review"}, "state": {"S": "open"},
            "received_at": {"S": "2026-12-05T10:00:00.000000Z"},
            "email": {"B": packed(email)}}
    rows = RowsInMemory(item)
    decisions = Decisions(Settings(), rows, RefusingProducer(), NoStatus())  # type: ignore[arg-type]
    with pytest.raises(NotRecorded, match="KafkaTimeoutError"):
        decisions.relabel(email.id, "complaints", "ana")
    assert rows.moves == [("complaints", "open"), ("human_review", "open")]

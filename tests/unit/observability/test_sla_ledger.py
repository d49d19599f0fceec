"""planetmail.sla: which messages are past the acknowledgement SLA."""

from __future__ import annotations

from datetime import timedelta

from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail.sla import SlaLedger, received_at_of

NOW = utcnow()


def event(tracking_id: str, state: str, seconds_ago: float, received_seconds_ago: float | None = None):
    received_at = None if received_seconds_ago is None else NOW - timedelta(seconds=received_seconds_ago)
    return LifecycleEvent(id=tracking_id, stage="collector", state=state,
                          at=NOW - timedelta(seconds=seconds_ago), received_at=received_at)


def ledger_of(*events: LifecycleEvent) -> SlaLedger:
    ledger = SlaLedger()
    for e in events:
        ledger.add(e)
    return ledger


def test_a_message_received_longer_ago_than_the_sla_is_overdue():
    ledger = ledger_of(event("old", "received", 400), event("young", "received", 100))
    (late,) = ledger.overdue(NOW, 300)
    assert (late.id, round(late.age_seconds)) == ("old", 400)


def test_acknowledged_or_suppressed_messages_are_closed_in_any_order():
    ledger = ledger_of(event("a", "acknowledged", 10, 400), event("a", "received", 400),
                       event("s", "received", 500), event("s", "suppressed", 450, 500))
    assert ledger.overdue(NOW, 300) == []
    assert ledger.open_count() == 0


def test_a_failed_message_reached_its_outcome_but_a_retrying_one_is_still_owed_one():
    ledger = ledger_of(event("f", "received", 400), event("f", "failed", 399, 400),
                       event("r", "received", 400), event("r", "retrying", 399, 400))
    assert [o.id for o in ledger.overdue(NOW, 300)] == ["r"]


def test_spam_suppressed_by_the_processor_is_not_open_over_the_sla():
    ledger = ledger_of(event("s", "received", 900), event("s", "classified", 899, 900))
    assert ledger.open_over(NOW, 300) == 1, "classified only: still owed an outcome"
    ledger.add(event("s", "suppressed", 899, 900))
    assert (ledger.open_over(NOW, 300), ledger.open_count()) == (0, 0)


def test_a_reported_breach_is_not_reported_again_but_still_counts_as_open_over_sla():
    ledger = ledger_of(event("r", "received", 400), event("r", "sla_breach", 90, 400))
    assert ledger.overdue(NOW, 300) == []
    assert ledger.open_over(NOW, 300) == 1
    ledger.add(event("x", "received", 400))
    ledger.mark_reported("x", NOW)
    assert ledger.overdue(NOW, 300) == []


def test_overdue_is_oldest_first_and_forget_before_drops_old_history():
    ledger = ledger_of(event("b", "received", 500), event("a", "received", 900))
    assert [o.id for o in ledger.overdue(NOW, 300)] == ["a", "b"]
    ledger.forget_before(NOW - timedelta(seconds=600))
    assert [o.id for o in ledger.overdue(NOW, 300)] == ["b"]


def test_received_at_falls_back_to_the_time_of_a_received_event_only():
    assert received_at_of(event("a", "received", 5)) == NOW - timedelta(seconds=5)
    assert received_at_of(event("a", "classified", 5)) is None

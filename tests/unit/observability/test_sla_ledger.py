"""planetmail.sla: which messages are past the acknowledgement SLA."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fuzzing import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

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


class ScanningLedger(SlaLedger):
    """The reference: ``forget_before`` as a scan of every book, as it was before the heap."""

    def forget_before(self, horizon: datetime) -> None:
        for book in self._books:
            for tracking_id in [k for k, at in book.items() if at < horizon]:
                del book[tracking_id]


STATES = ("received", "classified", "retrying", "acknowledged", "suppressed", "failed", "sla_breach")
operations = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from("abc"), st.sampled_from(STATES), st.integers(0, 900),
              st.none() | st.integers(0, 900)),
    st.tuples(st.just("report"), st.sampled_from("abc"), st.integers(0, 900)),
    st.tuples(st.just("forget"), st.integers(0, 900)),
), max_size=60)


@settings(max_examples=examples(300), deadline=None)
@given(operations)
@example([("add", "a", "acknowledged", 800, 810), ("add", "a", "acknowledged", 100, 810), ("forget", 500),
          ("add", "a", "received", 400, None)])  # closed again later: forgetting the first close keeps it
def test_forgetting_by_heap_keeps_what_a_scan_of_every_book_keeps(ops: list[tuple[Any, ...]]) -> None:
    ledger, reference = SlaLedger(), ScanningLedger()
    for op in ops:
        for each in (ledger, reference):
            if op[0] == "add":
                each.add(event(op[1], op[2], op[3], op[4]))
            elif op[0] == "report":
                each.mark_reported(op[1], NOW - timedelta(seconds=op[2]))
            else:
                each.forget_before(NOW - timedelta(seconds=op[1]))
        assert ledger.overdue(NOW, 60) == reference.overdue(NOW, 60)
        assert (ledger.open_count(), ledger.open_over(NOW, 60)) == (reference.open_count(),
                                                                     reference.open_over(NOW, 60))

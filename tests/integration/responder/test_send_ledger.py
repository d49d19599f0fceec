"""The send ledger's state machine on a real DynamoDB table, with a clock the test moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import ClaimStatus, LostClaimError, SendLedger
from planetmail.settings import Settings

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(responder_settings: Settings, clock: Clock) -> SendLedger:
    return SendLedger(responder_settings, lease_seconds=30, clock=clock)


def event(state: str = "acknowledged") -> LifecycleEvent:
    return LifecycleEvent.model_validate({
        "id": "T1", "stage": "responder", "state": state, "at": "2026-11-26T12:00:00+00:00",
        "detail": {"latency_seconds": 1.5},
    })


def test_a_live_claim_makes_everyone_else_wait(ledger: SendLedger, clock: Clock) -> None:
    assert ledger.claim("T1").status is ClaimStatus.CLAIMED
    clock.now += 29
    assert ledger.claim("T1").status is ClaimStatus.BUSY


def test_a_worker_that_died_before_sending_is_taken_over(ledger: SendLedger, clock: Clock) -> None:
    dead = ledger.claim("T1")
    clock.now += 31
    successor = ledger.claim("T1")
    assert successor.status is ClaimStatus.CLAIMED
    with pytest.raises(LostClaimError):
        ledger.sending("T1", dead.owner)
    ledger.sending("T1", successor.owner)


def test_a_short_claim_lease_lets_a_retry_take_over_while_a_send_keeps_the_long_one(
        responder_settings: Settings, clock: Clock) -> None:
    ledger = SendLedger(responder_settings, lease_seconds=30, claim_lease_seconds=3, clock=clock)
    ledger.claim("T1")
    clock.now += 4
    successor = ledger.claim("T1")
    assert successor.status is ClaimStatus.CLAIMED
    ledger.sending("T1", successor.owner)
    clock.now += 29
    assert ledger.claim("T1").status is ClaimStatus.BUSY


def test_a_worker_that_died_while_sending_leaves_an_unknown_outcome(ledger: SendLedger, clock: Clock) -> None:
    ledger.sending("T1", ledger.claim("T1").owner)
    clock.now += 29
    assert ledger.claim("T1").status is ClaimStatus.BUSY
    clock.now += 2
    assert ledger.claim("T1").status is ClaimStatus.UNKNOWN
    failed = event("failed")
    assert ledger.settle_unknown("T1", failed)
    assert not ledger.settle_unknown("T1", failed), "only one worker records it"
    settled = ledger.claim("T1")
    assert (settled.status, settled.event, settled.reported) == (ClaimStatus.DONE, failed, False)


def test_settled_then_reported(ledger: SendLedger) -> None:
    claim = ledger.claim("T1")
    ledger.sending("T1", claim.owner)
    ledger.settle("T1", claim.owner, event())
    ledger.mark_reported("T1")
    again = ledger.claim("T1")
    assert (again.status, again.event, again.reported) == (ClaimStatus.DONE, event(), True)


def test_a_batch_marks_its_settled_events_reported(ledger: SendLedger) -> None:
    for tracking_id in ("T1", "T2"):
        claim = ledger.claim(tracking_id)
        ledger.settle(tracking_id, claim.owner, event().model_copy(update={"id": tracking_id}))
    ledger.mark_reported_all([event(), event().model_copy(update={"id": "T2"})])
    assert [ledger.claim(t).reported for t in ("T1", "T2")] == [True, True]


def test_a_mark_for_another_event_of_the_same_id_does_not_count(ledger: SendLedger) -> None:
    claim = ledger.claim("T1")
    ledger.settle("T1", claim.owner, event())
    earlier = event().model_copy(update={"at": event().at - timedelta(days=8)})
    ledger.mark_reported_all([earlier])
    again = ledger.claim("T1")
    assert (again.status, again.reported) == (ClaimStatus.DONE, False)


def test_released_message_can_be_claimed_again(ledger: SendLedger) -> None:
    claim = ledger.claim("T1")
    ledger.release("T1", claim.owner)
    assert ledger.claim("T1").status is ClaimStatus.CLAIMED


def test_a_settled_record_past_its_retention_is_claimable(responder_settings: Settings, clock: Clock) -> None:
    ledger = SendLedger(responder_settings, lease_seconds=30, retention_seconds=3600, clock=clock)
    claim = ledger.claim("T1")
    ledger.settle("T1", claim.owner, event())
    clock.now += 3601
    assert ledger.claim("T1").status is ClaimStatus.CLAIMED


def test_a_refusal_is_first_once_per_message_and_leaves_the_claim_alone(ledger: SendLedger) -> None:
    """The terminal ``failed`` of a refused message is reported once; its entry stays claimable."""
    claim = ledger.claim("refused-1")
    assert [ledger.first_refusal("refused-1") for _ in range(3)] == [True, False, False]
    assert ledger.first_refusal("refused-2") is True
    ledger.release("refused-1", claim.owner)
    assert ledger.claim("refused-1").status is ClaimStatus.CLAIMED

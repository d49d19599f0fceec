"""``SendLedger.reopen_unknown`` and ``entries`` on a real DynamoDB table: the conditional write reopens a
reply whose delivery is unknown and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import ClaimStatus, SendLedger
from planetmail.settings import Settings

pytestmark = pytest.mark.integration

START = 1_800_000_000.0
LEASE = 30.0


def event(state: str, reason: str | None = None) -> LifecycleEvent:
    detail = {"latency_seconds": 1.5, **({"reason": reason} if reason else {})}
    return LifecycleEvent.model_validate({"id": "T1", "stage": "responder", "state": state,
                                          "at": "2026-11-26T12:00:00+00:00", "detail": detail})


def claimed(ledger: SendLedger) -> str:
    return ledger.claim("T1").owner


def sending(ledger: SendLedger) -> None:
    ledger.sending("T1", claimed(ledger))


def settled(state: str, reason: str | None = None) -> Callable[[SendLedger], None]:
    return lambda ledger: ledger.settle("T1", claimed(ledger), event(state, reason))


def failed_as_unknown(ledger: SendLedger) -> None:
    sending(ledger)
    assert ledger.settle_unknown("T1", event("failed", "unknown_outcome")) is False, "lease still runs"


CASES = {
    "no entry": (lambda ledger: None, 0, False),
    "acknowledged": (settled("acknowledged"), LEASE + 1, False),
    "suppressed": (settled("suppressed", "spam"), LEASE + 1, False),
    "failed, recipient refused": (settled("failed", "recipient_refused"), LEASE + 1, False),
    "claimed, lease run out": (claimed, LEASE + 1, False),
    "sending, lease running": (sending, LEASE - 1, False),
    "sending, lease run out": (sending, LEASE + 1, True),
    "failed as unknown outcome": (failed_as_unknown, LEASE + 1, True),
}


@pytest.mark.parametrize(("prepare", "later", "reopened"), CASES.values(), ids=CASES.keys())
def test_only_an_unknown_outcome_is_reopened(
    responder_settings: Settings, prepare: Callable[[SendLedger], object], later: float, reopened: bool
) -> None:
    now = [START]
    ledger = SendLedger(responder_settings, lease_seconds=LEASE, clock=lambda: now[0])
    prepare(ledger)
    now[0] += later
    if prepare is failed_as_unknown:
        assert ledger.settle_unknown("T1", event("failed", "unknown_outcome"))
    before = ledger.entries(["T1"])
    assert all(e.outcome_unknown(now[0]) is reopened for e in before.values())

    assert ledger.reopen_unknown("T1") is reopened

    if reopened:
        assert ledger.entries(["T1"]) == {}
        assert ledger.claim("T1").status is ClaimStatus.CLAIMED, "the next delivery sends it"
    else:
        assert ledger.entries(["T1"]) == before


def test_entries_reads_many_ids_at_once(responder_settings: Settings) -> None:
    ledger = SendLedger(responder_settings)
    for tracking_id in ("A", "B"):
        ledger.settle(tracking_id, ledger.claim(tracking_id).owner, event("acknowledged"))
    ids = ["A", "B", "missing", *(f"X{n}" for n in range(150))]
    assert {tracking_id: e.state for tracking_id, e in ledger.entries(ids).items()} == {
        "A": "acknowledged", "B": "acknowledged"}

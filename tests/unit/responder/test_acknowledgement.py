"""Responder branches with in-memory stand-ins for the ledger, the recipient stores and the transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

import pytest

from planetmail.ack import AckRequest
from planetmail.classification import Classification
from planetmail.inbound import Address, InboundEmail
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.send_ledger import Claim, ClaimStatus
from responder.acknowledgement import Outcome, Responder
from responder.senders import PermanentSendError, Receipt, SendError, TransientSendError

NOW = datetime(2026, 11, 26, 12, 0, 10, tzinfo=UTC)


class FakeLedger:
    def __init__(self, claim: Claim) -> None:
        self.next_claim = claim
        self.calls: list[str] = []
        self.settled: list[LifecycleEvent] = []

    def claim(self, tracking_id: str) -> Claim:
        return self.next_claim

    def sending(self, tracking_id: str, owner: str) -> None:
        self.calls.append("sending")

    def settle(self, tracking_id: str, owner: str, event: LifecycleEvent) -> None:
        self.settled.append(event)

    def release(self, tracking_id: str, owner: str) -> None:
        self.calls.append("release")

    def mark_reported_all(self, events: list[LifecycleEvent]) -> None:
        self.calls.extend(f"reported {event.id}" for event in events)


class FakeTransport:
    name = "fake"

    def __init__(self, error: SendError | None = None) -> None:
        self.error = error
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> Receipt:
        if self.error:
            raise self.error
        self.sent.append(message)
        return Receipt("fake", 1, "250 OK")

    def close(self) -> None: ...


class Recipients:
    def __init__(self, suppressed: bool = False, admit: bool = True) -> None:
        self.suppressed, self.admitted = suppressed, admit
        self.added: list[str] = []

    def contains(self, address: str) -> bool:
        return self.suppressed

    def add(self, address: str, reason: str) -> None:
        self.added.append(address)

    def admit(self, address: str, limit: int, window_seconds: int, message_id: str) -> bool:
        return self.admitted


def request(category: str = "praise") -> AckRequest:
    email = InboundEmail.model_validate({"id": "T1", "received_at": NOW - timedelta(seconds=10),
                                         "source": "api", "from": Address(address="ann@example.com")})
    classification = Classification(category=category, confidence=0.9, language="en", classified_at=NOW)
    return AckRequest(id="T1", email=email, classification=classification, requested_at=NOW)


def responder(ledger: FakeLedger, transport: FakeTransport, recipients: Recipients | None = None,
              reported: list[LifecycleEvent] | None = None) -> Responder:
    store = recipients or Recipients()
    sink = [] if reported is None else reported

    class Reporter:
        def report(self, event: LifecycleEvent) -> None:
            sink.append(event)

    return Responder(ledger=cast(Any, ledger), suppressions=cast(Any, store), cap=cast(Any, store),
                     transport=transport, reporter=Reporter(), flush_events=lambda: None, clock=lambda: NOW)


CLAIMED = Claim(ClaimStatus.CLAIMED, owner="me")


def test_acknowledged_with_latency_and_reported_after_flush() -> None:
    ledger, transport, reported = FakeLedger(CLAIMED), FakeTransport(), list[LifecycleEvent]()
    worker = responder(ledger, transport, reported=reported)
    assert worker.acknowledge(request()) is Outcome.ACKNOWLEDGED
    assert len(transport.sent) == 1
    (event,) = reported
    assert event.detail["latency_seconds"] == 10.0
    assert ledger.settled == [event]
    assert "reported T1" not in ledger.calls
    worker.flush()
    assert ledger.calls[-1] == "reported T1"


def test_transient_failure_gives_the_message_back_for_redelivery() -> None:
    ledger, reported = FakeLedger(CLAIMED), list[LifecycleEvent]()
    worker = responder(ledger, FakeTransport(TransientSendError("451 later")), reported=reported)
    assert worker.acknowledge(request()) is Outcome.RETRY
    assert ledger.calls == ["sending", "release"]
    assert [e.state for e in reported] == ["retrying"]
    worker.flush()
    assert "reported T1" not in ledger.calls, "a retrying event does not settle the message"


def test_refused_address_fails_for_good_and_is_suppressed() -> None:
    recipients, ledger = Recipients(), FakeLedger(CLAIMED)
    error = PermanentSendError("550 no such user", recipient_rejected=True)
    assert responder(ledger, FakeTransport(error), recipients).acknowledge(request()) is Outcome.FAILED
    assert recipients.added == ["ann@example.com"]
    assert [e.detail["reason"] for e in ledger.settled] == ["recipient_refused"]


def test_refusal_not_about_the_address_is_given_back_for_a_later_replay() -> None:
    recipients, ledger, reported = Recipients(), FakeLedger(CLAIMED), list[LifecycleEvent]()
    error = PermanentSendError("535 bad credentials", recipient_rejected=False)
    worker = responder(ledger, FakeTransport(error), recipients, reported)
    assert worker.acknowledge(request()) is Outcome.RETRY
    assert (recipients.added, ledger.settled, ledger.calls) == ([], [], ["sending", "release"])
    assert [(e.state, e.detail["reason"]) for e in reported] == [("failed", "rejected_message")]


def test_a_failure_before_sending_releases_the_claim() -> None:
    ledger = FakeLedger(CLAIMED)
    worker = responder(ledger, FakeTransport())

    def unreadable() -> PipelineConfig:
        raise RuntimeError("config unreadable")

    worker.config = unreadable
    with pytest.raises(RuntimeError):
        worker.acknowledge(request())
    assert ledger.calls == ["release"]


@pytest.mark.parametrize(("recipients", "reason"), [
    (Recipients(suppressed=True), "hard_bounce"),
    (Recipients(admit=False), "recipient_cap"),
])
def test_recipient_state_suppresses(recipients: Recipients, reason: str) -> None:
    ledger, transport = FakeLedger(CLAIMED), FakeTransport()
    assert responder(ledger, transport, recipients).acknowledge(request()) is Outcome.SUPPRESSED
    assert transport.sent == []
    assert [e.detail["reason"] for e in ledger.settled] == [reason]


def test_settled_but_unreported_message_is_reported_not_resent() -> None:
    event = LifecycleEvent(id="T1", stage="responder", state="acknowledged", at=NOW)
    ledger, transport = FakeLedger(Claim(ClaimStatus.DONE, event=event)), FakeTransport()
    reported: list[LifecycleEvent] = []
    assert responder(ledger, transport, reported=reported).acknowledge(request()) is Outcome.DUPLICATE
    assert (transport.sent, reported) == ([], [event])


def test_busy_message_is_redelivered() -> None:
    outcome = responder(FakeLedger(Claim(ClaimStatus.BUSY)), FakeTransport()).acknowledge(request())
    assert outcome.needs_redelivery

"""Responder branches with in-memory stand-ins for the ledger, the recipient stores and the transport."""

from __future__ import annotations

from collections.abc import Callable
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
from responder.senders import (
    PermanentSendError,
    Receipt,
    SendError,
    TransientSendError,
    UncertainDeliveryError,
)

NOW = datetime(2026, 11, 26, 12, 0, 10, tzinfo=UTC)


class FakeLedger:
    def __init__(self, claim: Claim) -> None:
        self.next_claim = claim
        self.calls: list[str] = []
        self.settled: list[LifecycleEvent] = []
        self.refused: set[str] = set()

    def claim(self, tracking_id: str) -> Claim:
        return self.next_claim

    def sending(self, tracking_id: str, owner: str) -> None:
        self.calls.append("sending")

    def settle(self, tracking_id: str, owner: str, event: LifecycleEvent) -> None:
        self.settled.append(event)

    def first_refusal(self, tracking_id: str) -> bool:
        first = tracking_id not in self.refused
        self.refused.add(tracking_id)
        return first

    def release(self, tracking_id: str, owner: str) -> None:
        self.calls.append("release")

    def mark_reported_all(self, events: list[LifecycleEvent]) -> None:
        self.calls.extend(f"reported {event.id}" for event in events)


class FakeTransport:
    name = "fake"

    def __init__(self, error: SendError | None = None, *, accepted_first: bool = True) -> None:
        self.error = error
        self.accepted_first = accepted_first
        self.sent: list[EmailMessage] = []
        self.deadline: float | None = None

    def send(self, message: EmailMessage, *, sender: str, recipient: str, deadline: float | None = None,
             on_accepted: Callable[[], object] = lambda: None) -> Receipt:
        self.deadline = deadline
        if isinstance(self.error, TransientSendError | PermanentSendError) and not self.accepted_first:
            raise self.error  # refused before the envelope was accepted
        on_accepted()
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

    def add(self, address: str, reason: str, *, ttl_seconds: int) -> None:
        self.added.append(address)
        self.ttl_seconds = ttl_seconds

    def admit(self, address: str, limit: int, window_seconds: int, message_id: str) -> bool:
        return self.admitted


def request(category: str = "praise") -> AckRequest:
    email = InboundEmail.model_validate({"id": "T1", "received_at": NOW - timedelta(seconds=10),
                                         "source": "api", "from": Address(address="ann@example.com"),
                                         "auth": {"dmarc": "pass"}})
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
    assert recipients.ttl_seconds == 30 * 86_400
    assert [e.detail["reason"] for e in ledger.settled] == ["recipient_refused"]


def test_a_refusal_before_the_envelope_was_accepted_never_marks_sending() -> None:
    ledger = FakeLedger(CLAIMED)
    transport = FakeTransport(TransientSendError("no greeting before the deadline"), accepted_first=False)
    assert responder(ledger, transport).acknowledge(request(), deadline=123.0) is Outcome.RETRY
    assert ledger.calls == ["release"]
    assert transport.deadline == 123.0


def test_a_delivery_lost_during_data_is_failed_at_once_and_never_resent() -> None:
    ledger, reported = FakeLedger(CLAIMED), list[LifecycleEvent]()
    error = UncertainDeliveryError("connection lost during DATA")
    assert responder(ledger, FakeTransport(error), reported=reported).acknowledge(request()) is Outcome.FAILED
    assert ledger.calls == ["sending"]
    assert [(e.state, e.detail["reason"]) for e in ledger.settled] == [("failed", "unknown_outcome")]


@pytest.mark.parametrize(("category", "reason"), [("other", "not_reader_mail"), ("spam", "spam")])
def test_mail_the_processor_should_not_have_sent_is_still_settled(category: str, reason: str) -> None:
    ledger, transport = FakeLedger(CLAIMED), FakeTransport()
    assert responder(ledger, transport).acknowledge(request(category)) is Outcome.SUPPRESSED
    assert [(e.state, e.detail["reason"]) for e in ledger.settled] == [("suppressed", reason)]
    assert transport.sent == []


def test_an_unauthenticated_sender_is_suppressed_not_answered() -> None:
    ledger, transport = FakeLedger(CLAIMED), FakeTransport()
    unauthenticated = request().email.model_copy(update={"auth": request().email.auth.model_copy(
        update={"dmarc": None, "spf": "fail", "dkim": "fail"})})
    ack = request().model_copy(update={"email": unauthenticated})
    assert responder(ledger, transport).acknowledge(ack) is Outcome.SUPPRESSED
    assert [e.detail["reason"] for e in ledger.settled] == ["sender_unauthenticated"]


def test_refusal_not_about_the_address_is_given_back_for_a_later_replay() -> None:
    recipients, ledger, reported = Recipients(), FakeLedger(CLAIMED), list[LifecycleEvent]()
    error = PermanentSendError("535 bad credentials", recipient_rejected=False)
    worker = responder(ledger, FakeTransport(error), recipients, reported)
    assert worker.acknowledge(request()) is Outcome.RETRY
    assert (recipients.added, ledger.settled, ledger.calls) == ([], [], ["sending", "release"])
    assert [(e.state, e.detail["reason"]) for e in reported] == [("failed", "rejected_message")]


def test_a_refusal_redelivered_reports_its_terminal_failed_once() -> None:
    """Each redelivery of a message the server refuses (5.7.1 relaying denied) reported ``failed`` again."""
    ledger, reported = FakeLedger(CLAIMED), list[LifecycleEvent]()
    error = PermanentSendError("550 5.7.1 relaying denied", recipient_rejected=False)
    worker = responder(ledger, FakeTransport(error), Recipients(), reported)
    outcomes = [worker.acknowledge(request()) for _ in range(3)]
    assert outcomes == [Outcome.RETRY] * 3
    assert [(e.state, e.detail["reason"]) for e in reported] == [("failed", "rejected_message")]
    assert ledger.calls.count("release") == 3


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

"""Which replies are in doubt, why one cannot be resent, and what a resend reports (no services)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planetmail import codec
from planetmail.ack import AckRequest
from planetmail.classification import Classification
from planetmail.dead_letters import DeadLetter
from planetmail.inbound import Address, InboundEmail
from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import LedgerEntry
from planetmail_local.in_doubt import (
    RESEND_RISK,
    DeadLetteredRequest,
    InDoubt,
    dead_lettered_requests,
    refusal,
    resend_event,
)

NOW = 1_800_000_000.0
AT = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
ACK_TOPIC = "t1.mail.ack"


def request(tracking_id: str = "T1", reply_to: str | None = None) -> AckRequest:
    email = InboundEmail.model_validate({
        "id": tracking_id, "received_at": AT, "source": "api", "subject": "Late paper",
        "from": Address(address="reader@example.com"),
        "reply_to": [Address(address=reply_to)] if reply_to else [], "auth": {"dmarc": "pass"},
    })
    classification = Classification(category="complaints", confidence=0.9, language="es", classified_at=AT)
    return AckRequest(id=tracking_id, email=email, classification=classification, requested_at=AT)


def letter(offset: int, value: bytes, source_topic: str = ACK_TOPIC) -> DeadLetter:
    return DeadLetter(offset=offset, key=None, value=value, error="retries exhausted",
                      source_topic=source_topic, source_partition=0, source_offset=offset, attempts=6)


def settled(state: str, reason: str | None = None) -> LedgerEntry:
    detail = {"reason": reason} if reason else {}
    return LedgerEntry(state, event=LifecycleEvent(id="T1", stage="responder", state=state, at=AT,
                                                   detail=detail))


UNKNOWN = settled("failed", "unknown_outcome")


def test_only_readable_ack_requests_count_and_the_latest_letter_wins() -> None:
    first, again, other = (codec.encode(request(t)) for t in ("T1", "T1", "T2"))
    letters = [letter(0, first), letter(1, b"\xff poison"), letter(2, other, "t1.mail.received"),
               letter(3, again), letter(4, codec.encode(request("T3")))]
    found = dead_lettered_requests(letters, ACK_TOPIC)
    assert {tracking_id: d.letter.offset for tracking_id, d in found.items()} == {"T1": 3, "T3": 4}


@pytest.mark.parametrize(("entry", "in_doubt"), [
    (UNKNOWN, True),
    (LedgerEntry("sending", lease_until=NOW - 1), True),
    (LedgerEntry("sending", lease_until=NOW + 1), False),
    (LedgerEntry("claimed", lease_until=NOW - 1), False),
    (settled("failed", "recipient_refused"), False),
    (settled("acknowledged"), False),
    (settled("suppressed", "spam"), False),
])
def test_outcome_unknown(entry: LedgerEntry, in_doubt: bool) -> None:
    assert entry.outcome_unknown(NOW) is in_doubt


DEAD_LETTERED = DeadLetteredRequest(letter(7, b"{}"), request())


@pytest.mark.parametrize(("dead_lettered", "entry", "cause"), [
    (None, UNKNOWN, "T1 is not on mail.dlq; only a dead-lettered reply can be resent"),
    (DEAD_LETTERED, None, "T1 has no send-ledger entry, so nothing was sent; "
                          "replay it with 'planetmail dlq replay --offset 7'"),
    (DEAD_LETTERED, settled("acknowledged"), "T1 is acknowledged, its outcome is known; "
                                             "there is nothing to resend"),
    (DEAD_LETTERED, settled("failed", "recipient_refused"), "T1 is failed (recipient_refused), its outcome"),
    (DEAD_LETTERED, LedgerEntry("sending", lease_until=NOW + 60),
     "T1 is being sent by a worker whose lease runs until 08:01:00 UTC; run the command again after that"),
    (DEAD_LETTERED, LedgerEntry("claimed", lease_until=NOW - 1),
     "T1 was claimed but never handed to the mail server; replay it with 'planetmail dlq replay --offset 7'"),
])
def test_refusal_names_the_cause_and_the_fix(
    dead_lettered: DeadLetteredRequest | None, entry: LedgerEntry | None, cause: str
) -> None:
    refused = refusal("T1", dead_lettered, entry, NOW)
    assert refused is not None and refused.startswith(cause)
    assert ";" in refused and "\n" not in refused


@pytest.mark.parametrize("entry", [UNKNOWN, LedgerEntry("sending", lease_until=NOW - 1)])
def test_a_reply_in_doubt_is_not_refused(entry: LedgerEntry) -> None:
    assert refusal("T1", DEAD_LETTERED, entry, NOW) is None


def test_in_doubt_shows_the_reply_to_recipient_and_where_the_ledger_left_it() -> None:
    doubt = InDoubt(letter(7, b"{}"), request(reply_to="desk@help.example.com"), UNKNOWN)
    assert (doubt.tracking_id, doubt.recipient) == ("T1", "desk@help.example.com")
    assert doubt.ledger_state == "failed, outcome unknown, at 2026-11-27 06:00:00"
    sending = InDoubt(letter(7, b"{}"), request(), LedgerEntry("sending", lease_until=NOW - 60))
    assert sending.ledger_state == "sending, lease ran out at 2027-01-15 07:59:00"


def test_in_doubt_shows_where_the_responder_replies_not_an_unauthenticated_reply_to() -> None:
    """A Reply-To outside the authenticated From domain is not where the reply went (sender_auth policy)."""
    doubt = InDoubt(letter(7, b"{}"), request(reply_to="victim@elsewhere.example.net"), UNKNOWN)
    assert doubt.request.email.reply_address.address == "victim@elsewhere.example.net"
    assert doubt.recipient == "reader@example.com"


def test_the_resend_is_a_retrying_step_that_states_the_risk() -> None:
    event = resend_event(InDoubt(letter(7, b"{}"), request(), UNKNOWN), AT)
    assert (event.id, event.stage, event.state, event.at, event.received_at) == (
        "T1", "responder", "retrying", AT, AT)
    assert event.detail == {"category": "complaints", "language": "es", "priority": "normal",
                            "reason": "operator_resend", "dlq_offset": 7}
    assert event.error is not None and RESEND_RISK in event.error

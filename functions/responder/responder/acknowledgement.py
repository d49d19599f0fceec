"""Acknowledge one message: claim it, apply the reply policy, send, record the outcome."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum
from typing import Any, Protocol

from planetmail.ack import AckRequest
from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent, State
from planetmail.metrics import pipeline_metrics
from planetmail.pipeline_config import PipelineConfig
from planetmail.send_ledger import UNKNOWN_OUTCOME_REASON, ClaimStatus, SendLedger
from responder import reply_policy
from responder.compose import compose, recipient_of
from responder.recipients import RecipientCap, SuppressionList
from responder.render import render
from responder.reply_policy import Reason, ReplyContext
from responder.senders import PermanentSendError, Receipt, TransientSendError, Transport

UNKNOWN_OUTCOME = ("a previous attempt stopped while handing the reply to the mail server; "
                   "delivery is unknown and it is not sent again")


class Outcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    """Already settled by an earlier delivery of the same record."""
    RETRY = "retry"
    """Nothing was sent; the record must be delivered again (batch item failure)."""

    @property
    def needs_redelivery(self) -> bool:
        return self is Outcome.RETRY


class Reporter(Protocol):
    def report(self, event: LifecycleEvent) -> object: ...


@dataclasses.dataclass
class Responder:
    ledger: SendLedger
    suppressions: SuppressionList
    cap: RecipientCap
    transport: Transport
    reporter: Reporter
    flush_events: Callable[[], object]
    """Makes reported events durable (the Kafka producer's flush)."""
    close_events: Callable[[], object] = lambda: None
    """Closes the event producer when the responder owns it."""
    config: Callable[[], PipelineConfig] = PipelineConfig
    """Until planetmail.config (live ZooKeeper configuration) lands: any callable returning the config."""
    clock: Callable[[], datetime] = utcnow
    _unflushed: list[LifecycleEvent] = dataclasses.field(default_factory=list)

    def acknowledge(self, request: AckRequest) -> Outcome:
        claim = self.ledger.claim(request.id)
        if claim.status is ClaimStatus.BUSY:
            return Outcome.RETRY
        if claim.status is ClaimStatus.DONE:
            if claim.event is not None and not claim.reported:
                self._report(claim.event)
            return Outcome.DUPLICATE
        if claim.status is ClaimStatus.UNKNOWN:
            event = self._event(request, "failed", error=UNKNOWN_OUTCOME, reason=UNKNOWN_OUTCOME_REASON)
            if self.ledger.settle_unknown(request.id, event):
                self._report(event)
            return Outcome.FAILED
        return self._acknowledge_claimed(request, claim.owner)

    def look_up(self, requests: Iterable[AckRequest]) -> None:
        """Read a batch's hard-bounce entries in one go, before its messages are acknowledged one by one."""
        self.suppressions.look_up(recipient_of(request.email).address for request in requests)

    def flush(self) -> None:
        """Make this batch's events durable, then remember that they were reported.

        When that fails the ids are forgotten, not marked: a redelivery reports the events again.
        """
        reported, self._unflushed = self._unflushed, []
        self.flush_events()
        self.ledger.mark_reported_all(reported)

    def close(self) -> None:
        self.transport.close()
        self.close_events()

    def _acknowledge_claimed(self, request: AckRequest, owner: str) -> Outcome:
        try:
            config = self.config()
            recipient = recipient_of(request.email).address
            reason = self._suppression_reason(request, recipient, config)
            if reason is None:
                message = self._message(request, config)
                self.ledger.sending(request.id, owner)
        except Exception:
            self.ledger.release(request.id, owner)
            raise
        if reason is not None:
            return self._settle(request, owner, self._event(request, "suppressed", reason=str(reason)))
        return self._send(request, owner, message, config.sender.address, recipient)

    def _message(self, request: AckRequest, config: PipelineConfig) -> EmailMessage:
        classification = request.classification
        bodies = render(request.email, classification.category, classification.language, config)
        return compose(request.email, bodies, config.sender, self.clock())

    def _send(
        self, request: AckRequest, owner: str, message: EmailMessage, sender: str, recipient: str
    ) -> Outcome:
        try:
            receipt = self.transport.send(message, sender=sender, recipient=recipient)
        except PermanentSendError as exc:
            if not exc.recipient_rejected:
                return self._give_back(request, owner, "failed", exc, "rejected_message")
            self.suppressions.add(recipient, str(exc))
            event = self._event(request, "failed", error=str(exc), reason="recipient_refused",
                                address_suppressed=True)
            return self._settle(request, owner, event)
        except TransientSendError as exc:
            return self._give_back(request, owner, "retrying", exc, "transient")
        return self._settle(request, owner, self._acknowledged(request, receipt, message["Message-ID"]))

    def _give_back(
        self, request: AckRequest, owner: str, state: State, error: Exception, reason: str
    ) -> Outcome:
        """Nothing was delivered: release the claim and let the event source redeliver, then dead-letter it.

        Used for transient failures and for refusals that are not about the address (our credentials,
        sender or content): once that is fixed, replaying the record from the failure destination sends it.
        """
        self.ledger.release(request.id, owner)
        self._report(self._event(request, state, error=str(error), reason=reason), remember=False)
        return Outcome.RETRY

    def _suppression_reason(
        self, request: AckRequest, recipient: str, config: PipelineConfig
    ) -> Reason | None:
        context = ReplyContext(request.email, request.classification.category, recipient, config)
        reason = reply_policy.suppression_reason(context)
        if reason is not None:
            return reason
        if self.suppressions.contains(recipient):
            return Reason.HARD_BOUNCE
        policy = config.reply_policy
        if not self.cap.admit(recipient, policy.per_recipient_cap, policy.cap_window_seconds, request.id):
            return Reason.RECIPIENT_CAP
        return None

    def _settle(self, request: AckRequest, owner: str, event: LifecycleEvent) -> Outcome:
        self.ledger.settle(request.id, owner, event)
        self._report(event)
        return Outcome(event.state)

    def _report(self, event: LifecycleEvent, *, remember: bool = True) -> None:
        self.reporter.report(event)
        pipeline_metrics.observe(event)
        if remember:
            self._unflushed.append(event)

    def _acknowledged(self, request: AckRequest, receipt: Receipt, message_id: str) -> LifecycleEvent:
        return self._event(request, "acknowledged", transport=receipt.transport, attempts=receipt.attempts,
                           message_id=message_id)

    def _event(
        self, request: AckRequest, state: State, error: str | None = None, **detail: Any
    ) -> LifecycleEvent:
        now = self.clock()
        received_at = request.email.received_at
        classification = request.classification
        detail = {"category": classification.category, "language": classification.language,
                  "priority": classification.priority,
                  "latency_seconds": round((now - received_at).total_seconds(), 3), **detail}
        return LifecycleEvent(id=request.id, stage="responder", state=state, at=now,
                              received_at=received_at, detail=detail, error=error)

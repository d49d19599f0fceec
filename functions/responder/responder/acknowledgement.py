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
from responder.senders import (
    PermanentSendError,
    Receipt,
    TransientSendError,
    Transport,
    UncertainDeliveryError,
)

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


@dataclasses.dataclass(frozen=True)
class _Delivery:
    """One acknowledgement ready to go: whose it is, what, to whom, by when."""

    request: AckRequest
    owner: str
    message: EmailMessage
    config: PipelineConfig
    recipient: str
    deadline: float | None


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

    def acknowledge(self, request: AckRequest, deadline: float | None = None) -> Outcome:
        """``deadline``: the ``time.monotonic()`` instant the send must end by (the invocation's)."""
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
        return self._acknowledge_claimed(request, claim.owner, deadline)

    def look_up(self, requests: Iterable[AckRequest]) -> None:
        """Read a batch's hard-bounce entries and cap windows in one go, before its messages are
        acknowledged one by one."""
        config = self.config()
        recipients = [recipient_of(request.email, config).address for request in requests]
        self.suppressions.look_up(recipients)
        self.cap.look_up(recipients)

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

    def _acknowledge_claimed(self, request: AckRequest, owner: str, deadline: float | None) -> Outcome:
        try:
            config = self.config()
            recipient = recipient_of(request.email, config).address
            reason = self._suppression_reason(request, recipient, config)
            message = None if reason is not None else self._message(request, config)
        except Exception:
            self.ledger.release(request.id, owner)
            raise
        if message is None:
            return self._settle(request, owner, self._event(request, "suppressed", reason=str(reason)))
        return self._send(_Delivery(request, owner, message, config, recipient, deadline))

    def _message(self, request: AckRequest, config: PipelineConfig) -> EmailMessage:
        classification = request.classification
        bodies = render(request.email, classification.category, classification.language, config)
        return compose(request.email, bodies, config.sender, self.clock(), config)

    def _send(self, delivery: _Delivery) -> Outcome:
        """The ledger says ``sending`` only once the server accepted the envelope (``on_accepted``)."""
        request, owner = delivery.request, delivery.owner
        try:
            receipt = self.transport.send(
                delivery.message, sender=delivery.config.sender.address, recipient=delivery.recipient,
                deadline=delivery.deadline, on_accepted=lambda: self.ledger.sending(request.id, owner))
        except UncertainDeliveryError as exc:
            event = self._event(request, "failed", error=f"{UNKNOWN_OUTCOME}: {exc}",
                                reason=UNKNOWN_OUTCOME_REASON)
            return self._settle(request, owner, event)
        except PermanentSendError as exc:
            if not exc.recipient_rejected:
                return self._refused(request, owner, exc)
            return self._hard_bounce(delivery, exc)
        except TransientSendError as exc:
            return self._give_back(request, owner, "retrying", exc, "transient")
        acknowledged = self._acknowledged(request, receipt, delivery.message["Message-ID"])
        return self._settle(request, owner, acknowledged)

    def _hard_bounce(self, delivery: _Delivery, error: PermanentSendError) -> Outcome:
        """The address does not exist (5.1.x): not written to again for ``hard_bounce_days``."""
        ttl_seconds = delivery.config.reply_policy.hard_bounce_days * 86_400
        self.suppressions.add(delivery.recipient, str(error), ttl_seconds=ttl_seconds)
        event = self._event(delivery.request, "failed", error=str(error), reason="recipient_refused",
                            address_suppressed=True)
        return self._settle(delivery.request, delivery.owner, event)

    def _refused(self, request: AckRequest, owner: str, error: PermanentSendError) -> Outcome:
        """A refusal about us (credentials, relaying, content), not the address: given back so the event
        source retries while it may (the cause may be fixed meanwhile), but its terminal ``failed`` is
        reported once per message, not once per redelivery; a later success reports ``acknowledged``."""
        self.ledger.release(request.id, owner)
        if self.ledger.first_refusal(request.id):
            self._report(self._event(request, "failed", error=str(error), reason="rejected_message"),
                         remember=False)
        return Outcome.RETRY

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

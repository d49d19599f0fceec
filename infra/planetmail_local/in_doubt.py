"""Replies in doubt: a responder stopped between ``sending`` and the mail server's answer.

The pipeline never sends such a reply again by itself (two acknowledgements are worse than a missing
one); its ack request waits on mail.dlq. An operator may decide otherwise: ``InDoubtReplies.resend``
reopens the send-ledger entry and replays the dead letter, so the responder sends the reply once more.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime

from planetmail import codec, topics
from planetmail.ack import AckRequest
from planetmail.config import config_source
from planetmail.dead_letters import DeadLetter
from planetmail.events import LifecycleReporter
from planetmail.kafka import make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.send_ledger import LedgerEntry, SendLedger
from planetmail.sender_auth import reply_recipient
from planetmail.settings import Settings
from planetmail.status import StatusStore
from planetmail_local.dead_letter_queue import DeadLetterQueue

RESEND_RISK = ("the recipient may get a second acknowledgement: the mail server may have accepted the "
               "first one before the responder stopped")


class NotInDoubtError(LookupError):
    """A reply that cannot be resent; the message names the cause and the fix."""


@dataclasses.dataclass(frozen=True)
class DeadLetteredRequest:
    letter: DeadLetter
    request: AckRequest


@dataclasses.dataclass(frozen=True)
class InDoubt(DeadLetteredRequest):
    entry: LedgerEntry
    config: PipelineConfig = dataclasses.field(default_factory=PipelineConfig)
    """The pipeline configuration whose sender-authentication policy chose the recipient."""

    @property
    def tracking_id(self) -> str:
        return self.request.id

    @property
    def recipient(self) -> str:
        """Where the responder sends this reply: the same choice it makes (``sender_auth.reply_recipient``
        under the sender-authentication policy), not the unauthenticated Reply-To or From."""
        return reply_recipient(self.request.email, self.config).address

    @property
    def ledger_state(self) -> str:
        """Where the ledger left it, and since when."""
        event = self.entry.event
        if event is not None:
            return f"failed, outcome unknown, at {event.at:%Y-%m-%d %H:%M:%S}"
        lease = datetime.fromtimestamp(self.entry.lease_until or 0, UTC)
        return f"sending, lease ran out at {lease:%Y-%m-%d %H:%M:%S}"


def dead_lettered_requests(letters: Iterable[DeadLetter], ack_topic: str) -> dict[str, DeadLetteredRequest]:
    """The ack requests on mail.dlq by tracking id (the latest letter of each); other records are skipped."""
    found: dict[str, DeadLetteredRequest] = {}
    for letter in letters:
        if letter.source_topic != ack_topic:
            continue
        try:
            request = codec.decode_as(AckRequest, letter.value)
        except codec.RecordError:
            continue
        found[request.id] = DeadLetteredRequest(letter, request)
    return found


def refusal(tracking_id: str, dead_lettered: DeadLetteredRequest | None, entry: LedgerEntry | None,
            now: float) -> str | None:
    """Why this reply cannot be resent ('<cause>; <fix>'), or None when it is in doubt."""
    if dead_lettered is None:
        return (f"{tracking_id} is not on mail.dlq; only a dead-lettered reply can be resent "
                "(see 'planetmail dlq resend-unknown' for those in doubt)")
    offset = dead_lettered.letter.offset
    if entry is None:
        return (f"{tracking_id} has no send-ledger entry, so nothing was sent; "
                f"replay it with 'planetmail dlq replay --offset {offset}'")
    if entry.outcome_unknown(now):
        return None
    if entry.state == "claimed":
        return (f"{tracking_id} was claimed but never handed to the mail server; "
                f"replay it with 'planetmail dlq replay --offset {offset}'")
    if entry.state == "sending":
        until = datetime.fromtimestamp(entry.lease_until or 0, UTC)
        return (f"{tracking_id} is being sent by a worker whose lease runs until {until:%H:%M:%S} UTC; "
                "run the command again after that")
    reason = entry.event.detail.get("reason") if entry.event else None
    return (f"{tracking_id} is {entry.state}{f' ({reason})' if reason else ''}, its outcome is known; "
            "there is nothing to resend")


def resend_event(doubt: InDoubt, at: datetime) -> LifecycleEvent:
    """The lifecycle step an operator's resend adds before the responder reports the new send."""
    classification = doubt.request.classification
    return LifecycleEvent(
        id=doubt.tracking_id, stage="responder", state="retrying", at=at,
        received_at=doubt.request.email.received_at, error=f"resent by an operator: {RESEND_RISK}",
        detail={"category": classification.category, "language": classification.language,
                "priority": classification.priority, "reason": "operator_resend",
                "dlq_offset": doubt.letter.offset})


class InDoubtReplies:
    def __init__(self, settings: Settings, config: PipelineConfig | None = None) -> None:
        self._settings = settings
        self._config = config
        self._queue = DeadLetterQueue(settings)
        self._ledger = SendLedger(settings)

    def find(self) -> list[InDoubt]:
        """Every dead-lettered reply whose delivery is unknown, oldest letter first. Read-only."""
        dead_lettered = self._dead_lettered()
        entries = self._ledger.entries(dead_lettered)
        now = time.time()
        config = self.config()
        return sorted((InDoubt(found.letter, found.request, entries[tracking_id], config)
                       for tracking_id, found in dead_lettered.items()
                       if tracking_id in entries and entries[tracking_id].outcome_unknown(now)),
                      key=lambda doubt: doubt.letter.offset)

    def check(self, tracking_ids: Collection[str]) -> list[InDoubt]:
        """These replies, all in doubt; NotInDoubtError naming the first that is not. Read-only."""
        dead_lettered = self._dead_lettered()
        entries = self._ledger.entries(tracking_ids)
        now = time.time()
        for tracking_id in tracking_ids:
            cause = refusal(tracking_id, dead_lettered.get(tracking_id), entries.get(tracking_id), now)
            if cause is not None:
                raise NotInDoubtError(cause)
        config = self.config()
        return [InDoubt(dead_lettered[t].letter, dead_lettered[t].request, entries[t], config)
                for t in tracking_ids]

    def config(self) -> PipelineConfig:
        """The live pipeline configuration (read once), which decides where replies go."""
        if self._config is None:
            source = config_source(self._settings)
            try:
                self._config = source.current()
            finally:
                source.close()
        return self._config

    def resend(self, doubts: Iterable[InDoubt],
               on_resent: Callable[[InDoubt], None] = lambda _: None) -> list[InDoubt]:
        """Reopen each ledger entry, report it, replay its dead letter: the responder sends it once more.

        An entry that changed since ``check`` (a delivery settled it meanwhile) is left alone and missing
        from the result."""
        reopened = [doubt for doubt in doubts if self._ledger.reopen_unknown(doubt.tracking_id)]
        if not reopened:
            return []
        self._report(reopened)
        by_offset = {doubt.letter.offset: doubt for doubt in reopened}
        self._queue.replay(set(by_offset), on_replayed=lambda letter: on_resent(by_offset[letter.offset]))
        return reopened

    def _dead_lettered(self) -> dict[str, DeadLetteredRequest]:
        letters, _ = self._queue.read()
        return dead_lettered_requests(letters, self._settings.topic(topics.ACK))

    def _report(self, reopened: list[InDoubt]) -> None:
        producer = make_producer(self._settings)
        try:
            reporter = LifecycleReporter(self._settings, producer, StatusStore(self._settings))
            at = datetime.fromtimestamp(time.time(), UTC)
            for doubt in reopened:
                reporter.report(resend_event(doubt, at))
            reporter.flush()
        finally:
            producer.close()

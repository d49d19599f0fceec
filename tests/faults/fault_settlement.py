"""What became of the mail a fault test sent: acknowledgements in the SMTP sink's mail folder and
suppression and classification decisions on mail.events, followed incrementally (a suite at a few
thousand messages per fault leaves tens of thousands of both; re-reading them all on every poll took
longer than a poll)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections import defaultdict
from pathlib import Path

from planetmail import topics
from planetmail.classification import UNACKNOWLEDGED
from planetmail.codec import RecordError, decode_as
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.bench.follow import MailFolder
from planetmail_local.stack.topics import TopicReader

EVENTS_READ_SECONDS = 60.0
"""Longest one read of mail.events may take (the first one after a busy test reads thousands)."""


@dataclasses.dataclass
class Settlement:
    """Per tracking id: when each acknowledgement reached the sink / each suppression was decided."""

    acks: dict[str, list[float]]
    suppressions: dict[str, set[float]]
    unanswered: dict[str, float]
    """Classified spam or ``other``: the processor requests no acknowledgement (first decision's time)."""

    def settled_at(self, tracking_id: str) -> float | None:
        times = [*self.acks.get(tracking_id, []), *self.suppressions.get(tracking_id, set())]
        if tracking_id in self.unanswered:
            times.append(self.unanswered[tracking_id])
        return min(times) if times else None

    def times(self, tracking_id: str) -> int:
        """How often it was settled: once is right, never is lost, more is a duplicate. Spam and ``other``
        are settled by their classification or, since the processor closes them, by their ``suppressed``
        event: one decision."""
        suppressions = len(self.suppressions.get(tracking_id, set()))
        classified_only = tracking_id in self.unanswered and not suppressions
        return len(self.acks.get(tracking_id, [])) + suppressions + classified_only


class SettlementWatch:
    """Reads only what is new since its last look: sink messages by file, lifecycle events by offset."""

    def __init__(self, settings: Settings, mail_folder: Path) -> None:
        self._mail = MailFolder(mail_folder)
        self._events = TopicReader(settings, topics.EVENTS)
        self._suppressions: dict[str, set[float]] = defaultdict(set)
        self._unanswered: dict[str, float] = {}

    def look(self) -> Settlement:
        for value in self._events.read_new(EVENTS_READ_SECONDS):
            with contextlib.suppress(RecordError):
                self._note(decode_as(LifecycleEvent, value))
        return Settlement(dict(self._mail.read().times), dict(self._suppressions), dict(self._unanswered))

    def close(self) -> None:
        self._events.close()

    def _note(self, event: LifecycleEvent) -> None:
        # A re-reported decision keeps its time: one decision, one time.
        if event.state == "suppressed":
            self._suppressions[event.id].add(event.at.timestamp())
        elif event.state == "classified" and event.detail.get("category") in UNACKNOWLEDGED:
            self._unanswered.setdefault(event.id, event.at.timestamp())

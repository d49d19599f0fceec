"""The acknowledgement SLA: which messages were received but not closed within ``sla_seconds``.

Pure bookkeeping over lifecycle events, so the SLA watchdog, the dashboard and a scheduled Lambda on
AWS all judge the same way. A message is closed once it reached its terminal state (acknowledged,
suppressed with a reason, or failed for an operator): only messages still owed an outcome are open.
An ``sla_breach`` event marks a message as already reported, so a watchdog that replays
``mail.events`` after a failover does not report it twice.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from planetmail.lifecycle import TERMINAL_STATES, LifecycleEvent

CLOSING_STATES: Final = TERMINAL_STATES
BREACH_STATE: Final = "sla_breach"
SLA_STATES: Final = CLOSING_STATES | {"received", BREACH_STATE}
"""The only states the SLA judgement reads (the status table indexes these rows for the watchdog)."""
MIN_LOOKBACK_SECONDS: Final = 900
SUMMARY_LIMIT: Final = 200
"""Messages named in one alert; the count in the subject is always complete."""


@dataclasses.dataclass(frozen=True)
class Overdue:
    id: str
    received_at: datetime
    age_seconds: float


def received_at_of(event: LifecycleEvent) -> datetime | None:
    """When the message was accepted: the event's ``received_at``, or its time for a ``received`` event."""
    if event.received_at is not None:
        return event.received_at
    return event.at if event.state == "received" else None


_OPEN, _CLOSED, _REPORTED = range(3)
"""Which of ``SlaLedger``'s books a remembered write went to."""


class SlaLedger:
    """Open (received, not yet closed) messages, fed with lifecycle events in any order.

    Three books map a message id to a time: open (received at), closed (at) and reported (at). Every
    time written to a book is also pushed on a heap, so ``forget_before`` pops what fell behind the
    horizon instead of scanning every book (a watch that runs for hours holds a message per book for
    each message of the last ``lookback``; scanning them all every few seconds was a few per cent of
    the emulator's CPU under load, growing with the traffic).
    """

    def __init__(self) -> None:
        self._open: dict[str, datetime] = {}
        self._closed: dict[str, datetime] = {}
        self._reported: dict[str, datetime] = {}
        self._books = (self._open, self._closed, self._reported)  # indexed by _OPEN, _CLOSED, _REPORTED
        self._written: list[tuple[datetime, str, int]] = []
        """(time, id, book index) for every write; stale entries are skipped when popped."""

    def add(self, event: LifecycleEvent) -> None:
        if event.stage == "config":
            return
        if event.state in CLOSING_STATES:
            self._write(_CLOSED, event.id, event.at)
            self._open.pop(event.id, None)
            return
        if event.state == BREACH_STATE:
            self._write(_REPORTED, event.id, event.at)
        received_at = received_at_of(event)
        if received_at is not None and event.id not in self._closed and event.id not in self._open:
            self._write(_OPEN, event.id, received_at)

    def mark_reported(self, tracking_id: str, at: datetime) -> None:
        self._write(_REPORTED, tracking_id, at)

    def overdue(self, now: datetime, sla_seconds: float) -> list[Overdue]:
        """Open messages older than the SLA that were not reported yet, oldest first."""
        late = [
            Overdue(tracking_id, received_at, (now - received_at).total_seconds())
            for tracking_id, received_at in self._open.items()
            if tracking_id not in self._reported
        ]
        return sorted((o for o in late if o.age_seconds > sla_seconds), key=lambda o: o.received_at)

    def open_count(self) -> int:
        return len(self._open)

    def open_over(self, now: datetime, sla_seconds: float) -> int:
        """Open messages older than the SLA, reported or not."""
        return sum(1 for at in self._open.values() if (now - at).total_seconds() > sla_seconds)

    def forget_before(self, horizon: datetime) -> None:
        """Drop what happened before ``horizon`` so a long-running watch stays small."""
        written = self._written
        while written and written[0][0] < horizon:
            _, tracking_id, index = heapq.heappop(written)
            book = self._books[index]
            at = book.get(tracking_id)
            if at is not None and at < horizon:  # else forgotten already, or written again since
                del book[tracking_id]

    def _write(self, book: int, tracking_id: str, at: datetime) -> None:
        self._books[book][tracking_id] = at
        heapq.heappush(self._written, (at, tracking_id, book))


def lookback(sla_seconds: float) -> timedelta:
    """How much history a watchdog reads: enough to see every message that can still be late."""
    return timedelta(seconds=max(4 * sla_seconds, MIN_LOOKBACK_SECONDS))


def breach_event(late: Overdue, sla_seconds: int, now: datetime, watcher: str) -> LifecycleEvent:
    """The ``sla_breach`` lifecycle event reporting ``late`` (on mail.events and in the status table)."""
    return LifecycleEvent.model_validate({
        "id": late.id, "stage": "watchdog", "state": BREACH_STATE, "at": now, "received_at": late.received_at,
        "detail": {"age_seconds": round(late.age_seconds, 3), "sla_seconds": sla_seconds, "watcher": watcher},
    })


def breach_summary(overdue: Sequence[Overdue], sla_seconds: int) -> tuple[str, str]:
    """Subject and text of one alert about ``overdue`` (an e-mail locally, an SNS message on AWS)."""
    subject = f"planetmail: {len(overdue)} message(s) not acknowledged within {sla_seconds} s"
    lines = [f"{late.id}  received {late.received_at.isoformat()}  waiting {late.age_seconds:.0f} s"
             for late in overdue[:SUMMARY_LIMIT]]
    if len(overdue) > SUMMARY_LIMIT:
        lines.append(f"... and {len(overdue) - SUMMARY_LIMIT} more")
    return subject, "These messages are past the acknowledgement SLA:\n\n" + "\n".join(lines) + "\n"

"""The pipeline as seen from ``mail.events``: throughput, mix, latency against the SLA, failures.

Pure and thread-safe: feed it ``LifecycleEvent`` values (``add``) and read JSON-ready views.
Everything is bucketed by event time, so replaying the topic after a restart rebuilds the same picture.
Mix dimensions are read from ``event.detail`` under the names ``planetmail.metrics.DIMENSIONS`` uses.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail.metrics import UNKNOWN, detail_value
from planetmail.sla import SlaLedger, received_at_of
from planetmail_local.observability.stats import LatencyHistogram, LatencyRecorder, summary

THROUGHPUT_STATES: Final = ("received", "classified", "acknowledged", "suppressed", "failed")
MIX_KEYS: Final = {"classified": ("category", "language", "priority"), "received": ("provider",)}
ATTRIBUTES: Final = ("provider", "category", "language", "priority", "subject")
STAGE_COMPLETIONS: Final = frozenset({"classified", "acknowledged", "suppressed"})


@dataclasses.dataclass
class Bucket:
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    latencies: list[float] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class MessageTrack:
    id: str
    received_at: datetime | None = None
    state: str = ""
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)
    steps: list[LifecycleEvent] = dataclasses.field(default_factory=list)

    def has(self, event: LifecycleEvent) -> bool:
        return any((s.stage, s.state, s.at) == (event.stage, event.state, event.at) for s in self.steps)

    def add(self, event: LifecycleEvent) -> None:
        self.steps.append(event)
        self.steps.sort(key=lambda step: step.at)
        self.state = self.steps[-1].state
        self.received_at = self.received_at or received_at_of(event)
        for key in ATTRIBUTES:
            value = detail_value(event, key)
            if value != UNKNOWN:
                self.attributes[key] = value

    def arrival(self) -> datetime:
        return self.received_at or self.steps[0].at

    def stage_seconds(self, event: LifecycleEvent) -> float | None:
        """How long the event's stage took, queueing included: since the last step of another stage."""
        if event.state not in STAGE_COMPLETIONS:
            return None
        earlier = [s.at for s in self.steps if s.stage != event.stage and s.at <= event.at]
        start = max(earlier, default=self.received_at)
        return None if start is None else (event.at - start).total_seconds()

    def latency_seconds(self) -> float | None:
        closing = next((s for s in self.steps if s.state == "acknowledged"), None)
        if closing is None or self.received_at is None:
            return None
        return (closing.at - self.received_at).total_seconds()

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "received_at": _iso(self.received_at),
                "latency_seconds": self.latency_seconds(), **self.attributes}

    def record(self) -> dict[str, Any]:
        timeline = [{"stage": s.stage, "state": s.state, "at": s.at.isoformat(), "detail": s.detail,
                     "error": s.error} for s in self.steps]
        return {**self.summary(), "timeline": timeline}


class PipelineView:
    def __init__(self, sla_seconds: float = 300, bucket_seconds: int = 5, window_seconds: int = 900,
                 max_messages: int = 5000, clock: Callable[[], datetime] = utcnow) -> None:
        self.sla_seconds = sla_seconds
        self.bucket_seconds = bucket_seconds
        self.window_seconds = window_seconds
        self._max_messages = max_messages
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[int, Bucket] = {}
        self._messages: OrderedDict[str, MessageTrack] = OrderedDict()
        self._ledger = SlaLedger()
        self.totals: Counter[str] = Counter()
        self.mix: dict[str, Counter[str]] = {}
        self.suppressions: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.latency = LatencyHistogram()
        self.stage_latency: dict[str, LatencyRecorder] = {}
        self.within_sla = 0
        self.events = 0

    def add(self, event: LifecycleEvent) -> None:
        if event.stage == "config":
            return
        with self._lock:
            track = self._track(event.id)
            if track.has(event):
                return
            track.add(event)
            self._ledger.add(event)
            self._count(event, track)

    def _track(self, tracking_id: str) -> MessageTrack:
        track = self._messages.get(tracking_id)
        if track is None:
            track = self._messages[tracking_id] = MessageTrack(tracking_id)
            if len(self._messages) > self._max_messages:
                self._messages.popitem(last=False)
        return track

    def _count(self, event: LifecycleEvent, track: MessageTrack) -> None:
        self.events += 1
        self.totals[event.state] += 1
        bucket = self._bucket(event.at)
        if bucket is not None:
            bucket.counts[event.state] += 1
        for key in MIX_KEYS.get(event.state, ()):
            self.mix.setdefault(key, Counter())[detail_value(event, key)] += 1
        reason = str(event.detail.get("reason") or event.error or UNKNOWN)
        if event.state == "suppressed":
            self.suppressions[reason] += 1
        elif event.state == "failed":
            self.failures[f"{event.stage}: {reason}"] += 1
        stage_seconds = track.stage_seconds(event)
        if stage_seconds is not None:
            self.stage_latency.setdefault(event.stage, LatencyRecorder()).observe(stage_seconds)
        latency = track.latency_seconds() if event.state == "acknowledged" else None
        if latency is not None:
            self.latency.observe(latency)
            self.within_sla += latency <= self.sla_seconds
            if bucket is not None:
                bucket.latencies.append(latency)

    def _bucket(self, at: datetime) -> Bucket | None:
        index = int(at.timestamp()) // self.bucket_seconds
        oldest = int(self._clock().timestamp() - self.window_seconds) // self.bucket_seconds
        if index < oldest:
            return None
        if len(self._buckets) > 2 * self.window_seconds // self.bucket_seconds:
            for stale in [i for i in self._buckets if i < oldest]:
                del self._buckets[stale]
        return self._buckets.setdefault(index, Bucket())

    def series(self) -> dict[str, Any]:
        """Per-bucket throughput (messages/s per state) and p50/p95/p99 end-to-end latency.

        The bucket still filling is left out, so the curves do not dip at the right edge.
        """
        newest = int(self._clock().timestamp()) // self.bucket_seconds - 1
        indexes = range(newest - self.window_seconds // self.bucket_seconds + 1, newest + 1)
        with self._lock:
            buckets = [self._buckets.get(i, Bucket()) for i in indexes]
            throughput = {state: [b.counts[state] / self.bucket_seconds for b in buckets]
                          for state in THROUGHPUT_STATES}
            latency = [summary(b.latencies) for b in buckets]
        return {
            "bucket_seconds": self.bucket_seconds,
            "t": [i * self.bucket_seconds for i in indexes],
            "throughput": throughput,
            "latency": {key: [point[key] for point in latency] for key in ("p50", "p95", "p99")},
            "sla_seconds": self.sla_seconds,
        }

    def rates(self, seconds: int = 60) -> dict[str, float]:
        """Messages per second per state over the last ``seconds`` (by event time)."""
        newest = int(self._clock().timestamp()) // self.bucket_seconds
        first = newest - max(1, seconds // self.bucket_seconds) + 1
        with self._lock:
            recent = [b for i, b in self._buckets.items() if first <= i <= newest]
            return {state: sum(b.counts[state] for b in recent) / seconds for state in THROUGHPUT_STATES}

    def sla(self) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            acknowledged = self.latency.count
            return {
                "sla_seconds": self.sla_seconds,
                "acknowledged": acknowledged,
                "within_sla": self.within_sla,
                "compliance": self.within_sla / acknowledged if acknowledged else None,
                "open": self._ledger.open_count(),
                "open_over_sla": self._ledger.open_over(now, self.sla_seconds),
                "breaches": self.totals["sla_breach"],
            }

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            overall = {
                "events": self.events,
                "totals": dict(self.totals),
                "mix": {key: dict(counter) for key, counter in self.mix.items()},
                "suppressions": dict(self.suppressions),
                "failures": dict(self.failures),
                "stage_latency": {stage: {"count": r.histogram.count, **r.summary()}
                                  for stage, r in sorted(self.stage_latency.items())},
            }
            recent_latencies = [lat for b in self._buckets.values() for lat in b.latencies]
        return {**overall, "rates": self.rates(), "latency": summary(recent_latencies),
                "sla": self.sla(), "series": self.series()}

    def stage_histograms(self) -> list[tuple[str, LatencyHistogram]]:
        with self._lock:
            return [(stage, r.histogram) for stage, r in sorted(self.stage_latency.items())]

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recently received messages, newest first."""
        with self._lock:
            tracks = heapq.nlargest(limit, self._messages.values(), key=MessageTrack.arrival)
            return [track.summary() for track in tracks]

    def message(self, tracking_id: str) -> dict[str, Any] | None:
        with self._lock:
            track = self._messages.get(tracking_id)
            return track.record() if track else None

    def forget_before(self, horizon: timedelta) -> None:
        with self._lock:
            self._ledger.forget_before(self._clock() - horizon)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None

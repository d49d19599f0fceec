"""Mail flowing while a fault happens: a steady background sender through the API gateway, then the
settlement of every accepted message (acknowledged in the SMTP sink, or suppressed on mail.events)."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import threading
import time
from collections.abc import Iterator

import httpx
from e2e_support import CREDENTIALS, genuine_corpus
from fault_pipeline import FaultPipeline
from fault_settlement import EVENTS_READ_SECONDS, Settlement

from planetmail import topics
from planetmail.codec import RecordError, decode_as
from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import SendLedger
from planetmail_local.bench.traffic import InboundRequest, TrafficMix
from planetmail_local.stack.topics import topic_values

AUTO_REPLY_SHARE = 0.1
SETTLE_SECONDS = 240.0
QUIET_SECONDS = 30.0
STRAGGLER_SECONDS = 3.0
"""Room for a wrong second email (or an answer to an auto-reply) to arrive after everything settled."""


@dataclasses.dataclass(frozen=True)
class TrafficPlan:
    """How much mail one fault test sends and how long its outages last (CI defaults; env overrides)."""

    messages: int
    rate: float
    """Messages per second the background sender posts."""
    outage_scale: float

    @classmethod
    def from_environment(cls) -> TrafficPlan:
        return cls(messages=int(os.environ.get("PLANETMAIL_FAULT_MESSAGES", "600")),
                   rate=float(os.environ.get("PLANETMAIL_FAULT_RATE", "20")),
                   outage_scale=float(os.environ.get("PLANETMAIL_FAULT_OUTAGE_SCALE", "1")))

    def outage(self, seconds: float) -> float:
        return seconds * self.outage_scale


@dataclasses.dataclass
class FaultWindow:
    started: float = dataclasses.field(default_factory=time.time)
    lifted: float = 0.0

    def lift(self) -> None:
        self.lifted = time.time()


class SteadySender:
    """Posts provider-native requests at a steady rate; remembers what was accepted and when."""

    def __init__(self, api_url: str, plan: TrafficPlan, seed: int) -> None:
        mix = TrafficMix(genuine_corpus(), CREDENTIALS, auto_reply_share=AUTO_REPLY_SHARE, seed=seed)
        self._requests = list(itertools.islice(mix.requests(), plan.messages))
        self._api_url = api_url
        self._interval = 1.0 / plan.rate
        self.accepted: dict[str, bool] = {}
        """tracking id → whether an acknowledgement is expected (False: the reply policy suppresses it)."""
        self.accepted_at: dict[str, float] = {}
        self.refused = 0
        self._thread = threading.Thread(target=self._run, name="fault-sender", daemon=True)
        self._stop = threading.Event()

    @property
    def sent(self) -> int:
        return len(self.accepted) + self.refused

    def start(self) -> None:
        self._thread.start()

    def wait_for(self, count: int, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while self.sent < count and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)

    def finish(self, timeout_s: float = 300) -> None:
        self._thread.join(timeout_s)
        self._stop.set()

    def _run(self) -> None:
        next_at = time.monotonic()
        with httpx.Client(base_url=self._api_url, timeout=30) as client:
            for request in self._requests:
                if self._stop.is_set():
                    return
                self._post(client, request)
                next_at += self._interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    def _post(self, client: httpx.Client, request: InboundRequest) -> None:
        """A refusal (5xx, timeout) is what a provider retries later; it was never promised an answer."""
        try:
            response = client.post(request.path, headers=request.headers, content=request.content,
                                   json=request.json_body, data=request.form)
        except httpx.TransportError:
            self.refused += 1
            return
        if response.status_code != 202:
            self.refused += 1
            return
        tracking_id = response.json()["id"]
        self.accepted[tracking_id] = request.expects_ack
        self.accepted_at[tracking_id] = time.time()


@contextlib.contextmanager
def steady_traffic(pipeline: FaultPipeline, plan: TrafficPlan, seed: int) -> Iterator[SteadySender]:
    sender = SteadySender(pipeline.api_url, plan, seed)
    sender.start()
    try:
        yield sender
    finally:
        sender.finish()


@dataclasses.dataclass(frozen=True)
class FaultFigures:
    fault: str
    sent: int
    refused: int
    accepted: int
    acknowledged: int
    suppressed: int
    unanswered: int
    """Classified spam or ``other``: not answered by the model's decision."""
    lost: list[str]
    duplicates: dict[str, int]
    misjudged: list[str]
    """Genuine mail suppressed for a reason other than being classified spam or ``other`` (e.g. over the
    recipient cap), or an auto-reply answered."""
    recovery_seconds: float | None

    def line(self) -> str:
        recovery = "never" if self.recovery_seconds is None else f"{self.recovery_seconds:.1f}s"
        return (f"[fault] {self.fault}: sent {self.sent}, refused {self.refused}, accepted {self.accepted}, "
                f"acknowledged {self.acknowledged}, suppressed {self.suppressed}, "
                f"spam or other {self.unanswered}, lost {len(self.lost)}, "
                f"duplicates {sum(self.duplicates.values())}, recovery {recovery}")

    def assert_exactly_once(self, in_doubt: frozenset[str] = frozenset()) -> None:
        """``in_doubt``: unsettled messages allowed because their delivery is unknown (see ``in_doubt``)."""
        lost = sorted(set(self.lost) - in_doubt)
        assert not lost, f"{self.fault}: never settled: {lost[:10]}"
        assert not self.duplicates, f"{self.fault}: settled more than once: {self.duplicates}"
        assert not self.misjudged, f"{self.fault}: reply policy misapplied to {self.misjudged[:10]}"


def settle(pipeline: FaultPipeline, sender: SteadySender, window: FaultWindow, fault: str,
           timeout_s: float = SETTLE_SECONDS) -> FaultFigures:
    """Wait until every accepted message is settled (or nothing moved for a while, or the timeout),
    then count."""
    deadline = time.monotonic() + timeout_s
    settled, changed_at = -1, time.monotonic()
    while time.monotonic() < deadline:
        settlement = observe(pipeline)
        now_settled = sum(1 for tid in sender.accepted if settlement.settled_at(tid) is not None)
        if now_settled == len(sender.accepted):
            break
        if now_settled != settled:
            settled, changed_at = now_settled, time.monotonic()
        elif time.monotonic() - changed_at > QUIET_SECONDS and _idle(pipeline):
            break
        time.sleep(2)
    time.sleep(STRAGGLER_SECONDS)
    figures = count(fault, sender, observe(pipeline), window)
    print(figures.line(), flush=True)
    for tracking_id, path in trace(pipeline, figures.lost).items():
        print(f"[fault]   unsettled {tracking_id}: {' → '.join(path) or 'on no topic'}", flush=True)
    return figures


def in_doubt(pipeline: FaultPipeline, figures: FaultFigures) -> frozenset[str]:
    """Unsettled messages whose reply's delivery is unknown: the send ledger says a responder marked it
    'sending' and never recorded the outcome (killed mid-send, or its AWS endpoint stopped answering
    after applying the write), or a later delivery already recorded it failed for that reason. By design
    such a reply is never sent again (two acknowledgements are worse than none); it waits on mail.dlq for
    an operator (``planetmail dlq resend-unknown``). Anything else unsettled is a loss.

    The traffic has stopped and the pipeline has gone quiet, so nothing will settle a 'sending' entry any
    more: it counts as in doubt whether or not its lease has run out yet (now = infinity)."""
    entries = SendLedger(pipeline.settings).entries(figures.lost)
    doubtful = frozenset(tid for tid, entry in entries.items() if entry.outcome_unknown(now=math.inf))
    print(f"[fault]   in doubt (send ledger: outcome unknown): {len(doubtful)}", flush=True)
    return doubtful


def observe(pipeline: FaultPipeline) -> Settlement:
    return pipeline.settlements.look()


def lifecycle_events(pipeline: FaultPipeline) -> list[LifecycleEvent]:
    """Every event on mail.events."""
    events = []
    for value in topic_values(pipeline.settings, topics.EVENTS, EVENTS_READ_SECONDS):
        with contextlib.suppress(RecordError):
            events.append(decode_as(LifecycleEvent, value))
    return events


def trace(pipeline: FaultPipeline, tracking_ids: list[str]) -> dict[str, list[str]]:
    """Where each message got to: the topics holding it and its lifecycle states, in order."""
    found: dict[str, list[str]] = {tracking_id: [] for tracking_id in tracking_ids}
    for contract_topic in (topics.RECEIVED, topics.ACK, topics.DLQ):
        for value in topic_values(pipeline.settings, contract_topic, EVENTS_READ_SECONDS):
            for tracking_id, path in found.items():
                if tracking_id.encode() in value:
                    path.append(contract_topic)
    for event in lifecycle_events(pipeline):
        if event.id in found:
            found[event.id].append(f"{event.stage}:{event.state}")
    return found


def count(fault: str, sender: SteadySender, settlement: Settlement, window: FaultWindow) -> FaultFigures:
    settled = {tid: settlement.times(tid) for tid in sender.accepted}
    # Genuine mail the model calls spam or `other` is a classification error (measured by the model's
    # own tests), not a fault: the reply policy was applied correctly to what the processor decided.
    misjudged = sorted(tid for tid, expects in sender.accepted.items()
                       if (settlement.suppressions if expects else settlement.acks).get(tid)
                       and not (expects and tid in settlement.unanswered))
    return FaultFigures(
        fault, sender.sent, sender.refused, len(sender.accepted),
        acknowledged=sum(1 for tid in sender.accepted if settlement.acks.get(tid)),
        suppressed=sum(1 for tid in sender.accepted if settlement.suppressions.get(tid)),
        unanswered=sum(1 for tid in sender.accepted if tid in settlement.unanswered),
        lost=sorted(tid for tid, times in settled.items() if times == 0),
        duplicates={tid: times - 1 for tid, times in settled.items() if times > 1},
        misjudged=misjudged, recovery_seconds=_recovery(sender, settlement, window))


def _idle(pipeline: FaultPipeline) -> bool:
    """No Kafka mapping has lag or a batch in flight: what is not settled by now will not be."""
    return not any(m["lag"] or m["batches_in_flight"] for m in pipeline.mapping_status().values())


def _recovery(sender: SteadySender, settlement: Settlement, window: FaultWindow) -> float | None:
    """From the fault's end until the backlog accepted up to then was settled."""
    backlog = [tid for tid, at in sender.accepted_at.items() if at <= window.lifted]
    times = [settlement.settled_at(tid) for tid in backlog]
    if any(t is None for t in times):
        return None
    return max(0.0, max((t for t in times if t is not None), default=window.lifted) - window.lifted)

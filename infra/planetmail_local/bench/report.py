"""Turn submissions and sink deliveries into the benchmark's figures, table, JSON and plot."""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from planetmail_local.bench import cpu
from planetmail_local.bench.follow import Deliveries
from planetmail_local.bench.load import Submission
from planetmail_local.bench.outcomes import Outcome


@dataclasses.dataclass(frozen=True)
class BenchResult:
    sent: int
    accepted: int
    rejected: int
    acknowledged: int
    suppressed_expected: int
    auto_replies_answered: int
    """Reply-policy failures: an auto-reply must never be answered (a mail loop)."""
    spam_answered: int
    """Model misses: spam the classifier took for genuine mail (quality, not correctness)."""
    spam_answered_held_out: int
    """Of ``spam_answered``, those from the corpus's held-out fifth, whose groups the model never
    trained on: they measure its generalisation (issue 16). Answered spam from the groups it trained on
    would point at the pipeline rather than the model."""
    lost: int
    """Genuine messages with no terminal state at all (neither acknowledged, suppressed nor failed)."""
    duplicates: int
    duration_s: float
    throughput_per_s: float
    latency_ms: dict[str, float]
    latencies: list[tuple[float, float]] = dataclasses.field(repr=False)
    """(seconds since start, latency ms) per acknowledged message, for the plot."""
    cpu_ms_per_message: dict[str, float] = dataclasses.field(default_factory=dict)
    """CPU milliseconds per accepted message by part of the stack (see bench/cpu.py)."""
    cpu_ms_per_acknowledged: float = 0.0
    """The whole stack's CPU milliseconds per acknowledgement sent: the cost of the work that was
    asked for (suppressed and spam messages cost CPU too, but earn no acknowledgement)."""
    workers: dict[str, int] = dataclasses.field(default_factory=dict)
    """Worker processes per function at most during the run (the emulator's concurrency)."""
    not_acknowledged: dict[str, int] = dataclasses.field(default_factory=dict)
    """Genuine messages that ended without an acknowledgement, by ``state:reason``."""
    spam_outcomes: dict[str, int] = dataclasses.field(default_factory=dict)
    """The spam's terminal states, by ``state:reason`` (``acknowledged`` is a model miss)."""
    rejected_by: dict[str, int] = dataclasses.field(default_factory=dict)
    """The rejections by the collector's HTTP status, or by the client's error (``ReadTimeout``: no answer
    within the load generator's 30 s, a saturated stack rather than a refusal)."""
    lost_ids: list[str] = dataclasses.field(default_factory=list)
    not_acknowledged_ids: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def with_cpu(self, seconds_by_part: dict[str, float], *, idle_per_s: dict[str, float],
                 elapsed: float) -> BenchResult:
        """This result with the CPU the stack spent on it, per accepted and per acknowledged message."""
        per_accepted = cpu.per_message(seconds_by_part, self.accepted, idle_per_s=idle_per_s, elapsed=elapsed)
        per_acknowledged = cpu.per_message(seconds_by_part, self.acknowledged, idle_per_s=idle_per_s,
                                           elapsed=elapsed)
        return dataclasses.replace(self, cpu_ms_per_message=per_accepted,
                                   cpu_ms_per_acknowledged=per_acknowledged["total"])

    def to_json(self) -> dict[str, Any]:
        document = dataclasses.asdict(self)
        del document["latencies"]
        return document

    def figures(self) -> dict[str, Any]:
        """What the terminal table shows: everything but the id lists (they go to --json)."""
        document = self.to_json()
        for name in ("lost_ids", "not_acknowledged_ids"):
            del document[name]
        return document


def summarise(submissions: list[Submission], deliveries: Deliveries,
              outcomes: dict[str, Outcome] | None = None) -> BenchResult:
    """``outcomes``: terminal states from ``mail.events`` by tracking id; without them every genuine
    message that got no acknowledgement counts as lost."""
    outcomes = outcomes or {}
    accepted = [s for s in submissions if s.tracking_id and s.accepted_at is not None]
    wanted = [s for s in accepted if s.expects_ack]
    unwanted = [s for s in accepted if not s.expects_ack]
    start = min((s.scheduled_at for s in submissions), default=0.0)
    latencies = []
    for submission in wanted:
        assert submission.tracking_id is not None and submission.accepted_at is not None
        acked_at = deliveries.first(submission.tracking_id)
        if acked_at is not None:
            latencies.append((submission.accepted_at - start, (acked_at - submission.accepted_at) * 1000))
    ack_times = [t for s in wanted if s.tracking_id and (t := deliveries.first(s.tracking_id))]
    explained = _explained(wanted, deliveries, outcomes)
    unexplained = _unexplained(wanted, deliveries, outcomes)
    span = (max(ack_times) - start) if ack_times else 0.0
    return BenchResult(
        sent=len(submissions),
        accepted=len(accepted),
        rejected=len(submissions) - len(accepted),
        rejected_by=dict(Counter(_rejection(s) for s in submissions if s not in accepted)),
        acknowledged=len(latencies),
        suppressed_expected=sum(1 for s in unwanted if s.tracking_id not in deliveries.times),
        auto_replies_answered=_answered(unwanted, "auto_reply", deliveries),
        spam_answered=_answered(unwanted, "spam", deliveries),
        spam_answered_held_out=_answered([s for s in unwanted if s.held_out], "spam", deliveries),
        lost=len(unexplained),
        duplicates=_duplicates(accepted, deliveries),
        duration_s=round(span, 3),
        throughput_per_s=round(len(latencies) / span, 1) if span else 0.0,
        latency_ms=_percentiles([ms for _, ms in latencies]),
        latencies=latencies,
        not_acknowledged=dict(Counter(label for label, _ in explained)),
        spam_outcomes=dict(Counter(_label(s, deliveries, outcomes) for s in unwanted if s.kind == "spam")),
        lost_ids=sorted(unexplained),
        not_acknowledged_ids=_grouped(explained),
    )


def _rejection(submission: Submission) -> str:
    if submission.status is not None:
        return str(submission.status)
    return (submission.error or "no answer").split(":")[0]


def _duplicates(accepted: list[Submission], deliveries: Deliveries) -> int:
    """Second and later acknowledgements of this run's messages (the sink may hold other runs' mail)."""
    ours = {s.tracking_id for s in accepted if s.tracking_id}
    return sum(len(times) - 1 for tracking_id, times in deliveries.times.items() if tracking_id in ours)


def _unacknowledged(wanted: list[Submission], deliveries: Deliveries) -> list[str]:
    return [s.tracking_id for s in wanted if s.tracking_id and s.tracking_id not in deliveries.times]


def _unexplained(wanted: list[Submission], deliveries: Deliveries,
                 outcomes: dict[str, Outcome]) -> list[str]:
    return [t for t in _unacknowledged(wanted, deliveries) if t not in outcomes]


def _explained(wanted: list[Submission], deliveries: Deliveries,
               outcomes: dict[str, Outcome]) -> list[tuple[str, str]]:
    return [(outcomes[t].label, t) for t in _unacknowledged(wanted, deliveries) if t in outcomes]


def _label(submission: Submission, deliveries: Deliveries, outcomes: dict[str, Outcome]) -> str:
    if submission.tracking_id in deliveries.times:
        return "acknowledged"
    found = outcomes.get(submission.tracking_id or "")
    return found.label if found else "no_terminal_state"


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for label, tracking_id in pairs:
        grouped[label].append(tracking_id)
    return {label: sorted(ids) for label, ids in grouped.items()}


def _answered(submissions: list[Submission], kind: str, deliveries: Deliveries) -> int:
    return sum(1 for s in submissions if s.kind == kind and s.tracking_id in deliveries.times)


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        only = round(values[0], 1) if values else 0.0
        return {"p50": only, "p95": only, "p99": only, "max": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(values), 1)}


def write_json(result: BenchResult, path: Path, baseline: BenchResult | None = None) -> None:
    """The run's figures; with a baseline run, also ``baseline`` (the same keys for the bare pipeline)
    and ``ratio_to_baseline`` (acknowledged per second over the baseline's)."""
    document = result.to_json()
    if baseline is not None:
        document["baseline"] = baseline.to_json()
        document["ratio_to_baseline"] = ratio_to_baseline(result, baseline)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def ratio_to_baseline(result: BenchResult, baseline: BenchResult) -> float | None:
    if not baseline.throughput_per_s:
        return None
    return round(result.throughput_per_s / baseline.throughput_per_s, 3)


def write_plot(result: BenchResult, path: Path, sla_seconds: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 4))
    if result.latencies:
        xs, ys = zip(*result.latencies, strict=True)
        axes.scatter(xs, ys, s=3, alpha=0.5, label="webhook accepted → SMTP accepted")
    axes.axhline(sla_seconds * 1000, color="red", linestyle="--", label=f"SLA {sla_seconds:.0f} s")
    axes.set_yscale("log")
    axes.set_xlabel("seconds since start")
    axes.set_ylabel("latency (ms, log)")
    axes.set_title(f"planetmail bench: {result.acknowledged} acknowledged, p99 {result.latency_ms['p99']} ms")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

"""CloudWatch Embedded Metric Format: parse the EMF lines functions print and aggregate them.

A line may carry a prefix (Lambda-style log decoration); the JSON object starts at the first ``{``.
Lines that are not EMF (plain logs, Powertools Logger JSON) are ignored. Time units become latency
histograms in seconds; every other unit is summed as a counter.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Final

from planetmail_local.observability.stats import LatencyRecorder

SECONDS_PER_UNIT: Final[Mapping[str, float]] = {
    "Seconds": 1.0, "Milliseconds": 1e-3, "Microseconds": 1e-6,
}
FUNCTION_DIMENSION: Final = "function"

Dimensions = tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class EmfSample:
    namespace: str
    name: str
    unit: str
    dimensions: Dimensions
    values: tuple[float, ...]

    @property
    def is_latency(self) -> bool:
        return self.unit in SECONDS_PER_UNIT


def parse_line(line: str) -> list[EmfSample]:
    """The metrics in one output line; empty when the line is not an EMF document."""
    start = line.find("{")
    if start < 0:
        return []
    try:
        document = json.loads(line[start:])
    except json.JSONDecodeError:
        return []
    directives = document.get("_aws", {}).get("CloudWatchMetrics") if isinstance(document, dict) else None
    if not isinstance(directives, list):
        return []
    return [sample for directive in directives for sample in _samples(directive, document)]


def _samples(directive: Any, document: dict[str, Any]) -> Iterable[EmfSample]:
    if not isinstance(directive, dict):
        return
    namespace = str(directive.get("Namespace", ""))
    for dimension_set in directive.get("Dimensions") or [[]]:
        dimensions = tuple((str(k), str(document[k])) for k in dimension_set if k in document)
        for definition in directive.get("Metrics", []):
            values = _values(document.get(definition.get("Name")))
            if values:
                yield EmfSample(namespace, str(definition["Name"]), str(definition.get("Unit", "None")),
                                dimensions, values)


def _values(raw: Any) -> tuple[float, ...]:
    items = raw if isinstance(raw, list) else [raw]
    return tuple(float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool))


class EmfAggregator:
    """Counters and latency histograms keyed by (metric name, dimensions); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, Dimensions], float] = {}
        self._latencies: dict[tuple[str, Dimensions], LatencyRecorder] = {}
        self.documents = 0

    def ingest_line(self, line: str, function: str | None = None) -> int:
        """Aggregate one output line (``function`` becomes a dimension); returns the samples found."""
        samples = parse_line(line)
        extra: Dimensions = ((FUNCTION_DIMENSION, function),) if function else ()
        with self._lock:
            self.documents += bool(samples)
            for sample in samples:
                self._add(sample, tuple(sorted(sample.dimensions + extra)))
        return len(samples)

    def ingest_lines(self, lines: Iterable[str], function: str | None = None) -> int:
        return sum(self.ingest_line(line, function) for line in lines)

    def _add(self, sample: EmfSample, dimensions: Dimensions) -> None:
        key = (sample.name, dimensions)
        if not sample.is_latency:
            self._counters[key] = self._counters.get(key, 0.0) + sum(sample.values)
            return
        recorder = self._latencies.setdefault(key, LatencyRecorder())
        for value in sample.values:
            recorder.observe(value * SECONDS_PER_UNIT[sample.unit])

    def counters(self) -> list[tuple[str, dict[str, str], float]]:
        with self._lock:
            return [(name, dict(dims), value) for (name, dims), value in sorted(self._counters.items())]

    def latencies(self) -> list[tuple[str, dict[str, str], LatencyRecorder]]:
        with self._lock:
            return [(name, dict(dims), r) for (name, dims), r in sorted(self._latencies.items(),
                                                                       key=lambda item: item[0])]

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready view: counters and latency summaries (seconds)."""
        counters = [{"name": n, "dimensions": d, "value": v} for n, d, v in self.counters()]
        latencies = [{"name": name, "dimensions": dims, "count": r.histogram.count, "sum": r.histogram.sum,
                      **r.summary()} for name, dims, r in self.latencies()]
        return {"documents": self.documents, "counters": counters, "latencies": latencies}

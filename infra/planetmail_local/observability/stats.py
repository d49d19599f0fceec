"""Latency histograms and percentiles shared by every view (EMF, lifecycle events, invocations)."""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from typing import Final

LATENCY_BOUNDS_SECONDS: Final = (
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
)
"""Prometheus bucket upper bounds; 300 s is the default SLA, so compliance is one bucket away."""

QUANTILES: Final = (50, 95, 99)


class LatencyHistogram:
    """Cumulative-bucket histogram in seconds, the shape Prometheus exposes."""

    def __init__(self, bounds: Sequence[float] = LATENCY_BOUNDS_SECONDS) -> None:
        self.bounds = tuple(bounds)
        self._counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self._counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.sum += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """(``le`` label, cumulative count) pairs ending with ``+Inf``."""
        labels = [_le(bound) for bound in self.bounds] + ["+Inf"]
        running, pairs = 0, []
        for label, count in zip(labels, self._counts, strict=True):
            running += count
            pairs.append((label, running))
        return pairs


class LatencyRecorder:
    """A histogram for Prometheus plus the most recent values for exact percentiles."""

    def __init__(self, keep: int = 1000) -> None:
        self.histogram = LatencyHistogram()
        self._recent: deque[float] = deque(maxlen=keep)

    def observe(self, seconds: float) -> None:
        self.histogram.observe(seconds)
        self._recent.append(seconds)

    def summary(self) -> dict[str, float | None]:
        return summary(self._recent)


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending sequence; None when it is empty."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float | None]:
    """``{"p50": ..., "p95": ..., "p99": ...}`` of unordered values."""
    ordered = sorted(values)
    return {f"p{q}": percentile(ordered, q) for q in QUANTILES}


def _le(bound: float) -> str:
    return repr(float(bound))

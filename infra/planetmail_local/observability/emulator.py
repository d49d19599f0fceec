"""What only the FaaS emulator knows, handed in through two calls (thread-safe).

    stats.record_invocation("ProcessorFunction", duration_seconds=0.042, cold=False, error=False)
    stats.set_mapping_stats("ProcessorFunction:mail.received", lag=12, pollers=2,
                            batches_in_flight=1, failure_destination_depth=0)
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from typing import Any

from planetmail_local.observability.stats import LatencyRecorder


@dataclasses.dataclass(frozen=True)
class MappingStats:
    """One Kafka event-source mapping as the emulator runs it."""

    lag: int = 0
    pollers: int = 0
    batches_in_flight: int = 0
    failure_destination_depth: int = 0


@dataclasses.dataclass
class FunctionStats:
    invocations: Counter[str] = dataclasses.field(default_factory=Counter)
    """Keyed by start (``cold``/``warm``) and outcome (``ok``/``error``): ``"cold:ok"``."""
    durations: LatencyRecorder = dataclasses.field(default_factory=LatencyRecorder)


class EmulatorStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._functions: dict[str, FunctionStats] = {}
        self._mappings: dict[str, MappingStats] = {}

    def record_invocation(self, function: str, *, duration_seconds: float, cold: bool,
                          error: bool = False) -> None:
        with self._lock:
            stats = self._functions.setdefault(function, FunctionStats())
            stats.invocations[f"{'cold' if cold else 'warm'}:{'error' if error else 'ok'}"] += 1
            stats.durations.observe(duration_seconds)

    def set_mapping_stats(self, mapping: str, *, lag: int, pollers: int, batches_in_flight: int = 0,
                          failure_destination_depth: int = 0) -> None:
        with self._lock:
            self._mappings[mapping] = MappingStats(lag, pollers, batches_in_flight, failure_destination_depth)

    def functions(self) -> dict[str, FunctionStats]:
        with self._lock:
            return dict(self._functions)

    def mappings(self) -> dict[str, MappingStats]:
        with self._lock:
            return dict(self._mappings)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            functions = {
                name: {"invocations": dict(s.invocations), "count": s.durations.histogram.count,
                       "duration": s.durations.summary()}
                for name, s in self._functions.items()
            }
            mappings = {name: dataclasses.asdict(m) for name, m in self._mappings.items()}
        return {"functions": functions, "mappings": mappings}

"""Per-mapping figures for ``planetmail status`` and the metrics (thread-safe counters)."""

from __future__ import annotations

import dataclasses
import threading


@dataclasses.dataclass
class MappingCounters:
    pollers: int = 0
    lag: int = 0
    batches_in_flight: int = 0
    processed: int = 0
    filtered: int = 0
    failed_invocations: int = 0
    dead_lettered: int = 0
    discarded: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: int) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def begin_batch(self) -> None:
        self.add(batches_in_flight=1)

    def end_batch(self) -> None:
        self.add(batches_in_flight=-1)

    def set(self, **values: int) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, name, value)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not f.name.startswith("_")
            }

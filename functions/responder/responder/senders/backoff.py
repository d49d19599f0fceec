"""Bounded exponential backoff that fits inside the acknowledgement SLA."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Backoff:
    attempts: int = 6
    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0
    budget_seconds: float = 60.0
    """Upper bound on the time spent waiting between attempts (well under the 300 s SLA)."""

    def delays(self) -> list[float]:
        """The waits before attempts 2..n; their sum never exceeds the budget."""
        waits: list[float] = []
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            wait = min(delay, self.max_delay, self.budget_seconds - sum(waits))
            if wait <= 0:
                break
            waits.append(wait)
            delay *= self.factor
        return waits

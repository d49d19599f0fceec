"""How many invocations of one function may run at once: its worker processes.

Lambda's reserved concurrency, which an operator changes while the function runs
(PutFunctionConcurrency). A lower limit lets the running invocations finish and admits no new one until
fewer than the new limit run; a higher one admits the waiting ones at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

DEFAULT_WORKERS = 4
MAX_WORKERS = 64
"""Each worker is a Python process holding its function's imports; more would exhaust a laptop first."""


def checked_workers(value: object, what: str = "workers") -> int:
    """``value`` as a worker count, or ValueError naming the allowed range."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKERS:
        raise ValueError(f"{what} must be a whole number from 1 to {MAX_WORKERS}, got {value!r}")
    return value


class ConcurrencyLimit:
    def __init__(self, limit: int) -> None:
        self._limit = checked_workers(limit)
        self._running = 0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def running(self) -> int:
        return self._running

    def set(self, limit: int) -> None:
        with self._changed:
            self._limit = checked_workers(limit)
            self._changed.notify_all()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Wait until fewer than ``limit`` invocations run, then hold one place until the block ends."""
        with self._changed:
            self._changed.wait_for(lambda: self._running < self._limit)
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

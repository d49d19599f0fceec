"""Feed the observatory what only the emulator knows: invocations and per-mapping figures.

    feed = EmulatorFeed(observatory.emulator)
    emulator = Emulator(app, options, listener=feed.on_invocation)
    feed.follow(emulator.status)   # a daemon thread copies lag, pollers, in-flight batches
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from planetmail_local.emulator.runtime.invocation import Invocation
from planetmail_local.observability.emulator import EmulatorStats

REFRESH_SECONDS = 2.0


class EmulatorFeed:
    def __init__(self, stats: EmulatorStats) -> None:
        self._stats = stats
        self._stopped = threading.Event()

    def on_invocation(self, function: str, invocation: Invocation) -> None:
        self._stats.record_invocation(function, duration_seconds=invocation.duration_ms / 1000,
                                      cold=invocation.init_ms is not None, error=invocation.failed)

    def copy_mappings(self, status: dict[str, Any]) -> None:
        for name, figures in status.get("mappings", {}).items():
            self._stats.set_mapping_stats(
                name, lag=int(figures.get("lag", 0)), pollers=int(figures.get("pollers", 0)),
                batches_in_flight=int(figures.get("batches_in_flight", 0)),
                failure_destination_depth=int(figures.get("dead_lettered", 0)))

    def follow(self, status: Callable[[], dict[str, Any]]) -> None:
        def loop() -> None:
            while not self._stopped.wait(REFRESH_SECONDS):
                self.copy_mappings(status())

        threading.Thread(target=loop, name="emulator-feed", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

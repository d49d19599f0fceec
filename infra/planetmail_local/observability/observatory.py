"""Everything the dashboard shows, in one object the server, the CLI and the emulator share.

The emulator creates one, starts it, mounts ``create_app(observatory)`` and feeds it what only it
knows::

    observatory = Observatory(settings)
    observatory.start()
    observatory.ingest_log_line("ProcessorFunction", line)     # every stdout line of a worker
    observatory.emulator.record_invocation(...)                # see EmulatorStats
    observatory.emulator.set_mapping_stats(...)
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.observability.emf import EmfAggregator
from planetmail_local.observability.emulator import EmulatorStats
from planetmail_local.observability.feed import EventFeed
from planetmail_local.observability.lag import GroupLag, consumer_lag
from planetmail_local.observability.pipeline import PipelineView

log = logging.getLogger(__name__)

GROUP_ID = "planetmail.observability"


class Observatory:
    def __init__(self, settings: Settings, *, sla_seconds: float | None = None,
                 lookback: timedelta = timedelta(minutes=15), lag_interval: float = 5.0,
                 bucket_seconds: int = 5) -> None:
        self.settings = settings
        sla = sla_seconds if sla_seconds is not None else PipelineConfig().sla_seconds
        self.pipeline = PipelineView(sla_seconds=sla, bucket_seconds=bucket_seconds,
                                     window_seconds=int(lookback.total_seconds()))
        self.emf = EmfAggregator()
        self.emulator = EmulatorStats()
        self.feed = EventFeed(settings, [self.pipeline.add], group_id=GROUP_ID, lookback=lookback)
        self._lookback = lookback
        self._lag_interval = lag_interval
        self._lag: list[GroupLag] = []
        self._stop = threading.Event()
        self._lag_thread: threading.Thread | None = None

    def ingest_log_line(self, function: str, line: str) -> int:
        """Aggregate the EMF metrics in one line a function printed (other lines are ignored)."""
        return self.emf.ingest_line(line, function)

    def lag(self) -> list[GroupLag]:
        return list(self._lag)

    def refresh_lag(self) -> None:
        try:
            self._lag = consumer_lag(self.settings)
        except Exception as exc:  # Kafka away: keep the last figures, say why once per refresh
            log.warning("consumer lag unavailable: %s", exc)

    def start(self) -> None:
        self.feed.start()
        self._lag_thread = threading.Thread(target=self._refresh_loop, name="observatory-lag", daemon=True)
        self._lag_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.feed.stop()
        if self._lag_thread is not None:
            self._lag_thread.join(10)

    def __enter__(self) -> Observatory:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _refresh_loop(self) -> None:
        while not self._stop.is_set():
            self.refresh_lag()
            self.pipeline.forget_before(2 * self._lookback)
            self._stop.wait(self._lag_interval)

    def snapshot(self) -> dict[str, Any]:
        """The ``/api/metrics`` document."""
        return {
            "pipeline": self.pipeline.snapshot(),
            "lag": [entry.as_dict() for entry in self._lag],
            "emulator": self.emulator.snapshot(),
            "emf": self.emf.snapshot(),
            "feed": {"caught_up": self.feed.caught_up.is_set(), "undecodable": self.feed.undecodable},
        }

"""Schedule events: ``rate(N unit)`` expressions fire the function with an EventBridge scheduled event."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from planetmail_local.emulator.model import Schedule

log = logging.getLogger(__name__)

_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs, or None for expressions that do not run locally (cron)."""
    found = _RATE.fullmatch(expression.strip())
    if not found:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")]


def scheduled_event(schedule: Schedule, now: datetime | None = None) -> dict[str, Any]:
    if schedule.input is not None:
        return schedule.input if isinstance(schedule.input, dict) else {"input": schedule.input}
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{schedule.function}-{schedule.name}"],
        "detail": {},
    }


class ScheduleRunner:
    def __init__(self, schedule: Schedule, invoke: Callable[[str, Any], Any], stop: threading.Event) -> None:
        self._schedule = schedule
        self._invoke = invoke
        self._stop = stop
        self._thread = threading.Thread(target=self._run, name=f"schedule {schedule.name}", daemon=True)

    def start(self) -> None:
        if rate_seconds(self._schedule.expression) is None:
            log.warning(
                "%s.%s: %s does not run locally (only rate(...)); invoke it by hand",
                self._schedule.function,
                self._schedule.name,
                self._schedule.expression,
            )
            return
        self._thread.start()

    def _run(self) -> None:
        interval = rate_seconds(self._schedule.expression) or 60.0
        while not self._stop.wait(interval):
            self._invoke(self._schedule.function, scheduled_event(self._schedule))

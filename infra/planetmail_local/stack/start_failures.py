"""Why a service exited while starting, read from its log, and what to do about it.

Most failures are reported with the log's last error line. A few have a known cause and a known fix,
which the one-line error of ``planetmail up`` names instead.
"""

from __future__ import annotations

import dataclasses
from typing import Final

GENERIC_FIX: Final = "fix the cause and run 'planetmail up' again"


@dataclasses.dataclass(frozen=True)
class KnownStartFailure:
    marker: str
    """Text in the service's log that identifies the failure."""
    cause: str
    fix: str


KNOWN_START_FAILURES: Final = (
    KnownStartFailure(
        marker="Invalid cluster.id",
        cause="its data folder belongs to another ZooKeeper (Invalid cluster.id in meta.properties)",
        fix="run 'planetmail down --purge' (deletes the stale Kafka and ZooKeeper data) and 'up' again",
    ),
)


def diagnose(log_lines: list[str]) -> tuple[str, str]:
    """(cause, fix) for a service that exited while starting with this log output."""
    for failure in KNOWN_START_FAILURES:
        if any(failure.marker in line for line in log_lines):
            return failure.cause, failure.fix
    return last_error_line(log_lines), GENERIC_FIX


def last_error_line(log_lines: list[str]) -> str:
    lines = [line.strip() for line in log_lines if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return (errors or lines or ["no log output"])[-1][:200]

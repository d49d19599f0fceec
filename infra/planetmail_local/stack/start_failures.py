"""Why a service exited while starting, read from its log, and what to do about it.

Most failures are reported with the log's last error line. A few have a known cause and a known fix,
which the one-line error of ``planetmail up`` names instead; one of them passes by itself, and
``planetmail up`` waits and starts the service once more before reporting it.
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
    retry_after_s: float = 0.0
    """Above zero when the cause passes by itself within this time: start once more after it."""


KNOWN_START_FAILURES: Final = (
    KnownStartFailure(
        marker="Invalid cluster.id",
        cause="its data folder belongs to another ZooKeeper (Invalid cluster.id in meta.properties)",
        fix="run 'planetmail down --purge' (deletes the stale Kafka and ZooKeeper data) and 'up' again",
    ),
    KnownStartFailure(
        # Kafka 3.9 (KafkaZkClient$CheckedEphemeral) on /brokers/ids/<id>
        marker="node already exists and owner",
        cause="ZooKeeper still holds the registration of a Kafka broker that was killed (it expires with "
              "the old session, zookeeper.session.timeout.ms = 6 s)",
        fix="wait a few seconds and run 'planetmail up' again",
        retry_after_s=10.0,
    ),
)


def diagnose(log_lines: list[str]) -> KnownStartFailure:
    """Cause and fix for a service that exited while starting with this log output."""
    for failure in KNOWN_START_FAILURES:
        if any(failure.marker in line for line in log_lines):
            return failure
    return KnownStartFailure(marker="", cause=last_error_line(log_lines), fix=GENERIC_FIX)


def last_error_line(log_lines: list[str]) -> str:
    lines = [line.strip() for line in log_lines if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return (errors or lines or ["no log output"])[-1][:200]

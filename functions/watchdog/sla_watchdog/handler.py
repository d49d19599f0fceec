"""SlaWatchdogFunction: on a schedule, report the messages not acknowledged within the SLA.

The deployed counterpart of ``planetmail sla-watch``, which needs ZooKeeper and a Kafka replay. This
one reads the status table's ``sla-by-hour`` index over the look-back window (received, closed and
already reported steps) and judges with the same ``planetmail.sla`` ledger. The schedule with
``ReservedConcurrentExecutions: 1`` makes it one run at a time, so it needs no election. Each breach
is alerted first (one SNS message per run on AWS), then announced as an ``sla_breach`` lifecycle
event on mail.events (the local dashboard shows it) and recorded in the status table, which is what
keeps the next run from reporting it again: a run that dies halfway alerts twice, never not at all.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from kafka import KafkaProducer

from planetmail import aws
from planetmail.config import config_source
from planetmail.events import LifecycleReporter
from planetmail.inbound import utcnow
from planetmail.kafka import make_producer
from planetmail.metrics import pipeline_metrics
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.sla import Overdue, SlaLedger, breach_event, breach_summary, lookback
from planetmail.status import SLA_INDEX, StatusStore

_log = logging.getLogger(__name__)
SNS_SUBJECT_LIMIT = 100


class MissingIndexError(RuntimeError):
    """The status table predates the sla-by-hour index; the message names the fix."""


@dataclasses.dataclass
class WatchResult:
    open: int
    overdue: list[str]
    alerted: bool


class Watchdog:
    """The warm worker's clients, made on first use."""

    def __init__(self, settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow,
                 config: Callable[[], PipelineConfig] | None = None) -> None:
        self._settings = settings
        self._config = config
        self.clock = clock
        self.identity = f"{socket.gethostname()}:{os.getpid()}"

    @functools.cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.load()

    @functools.cached_property
    def config(self) -> Callable[[], PipelineConfig]:
        return self._config or config_source(self.settings).current

    @functools.cached_property
    def status(self) -> StatusStore:
        return StatusStore(self.settings, aws.client("dynamodb", self.settings))

    @functools.cached_property
    def producer(self) -> KafkaProducer:
        return make_producer(self.settings)

    @functools.cached_property
    def reporter(self) -> LifecycleReporter:
        return LifecycleReporter(self.settings, self.producer, self.status, defer_rows=True)

    @functools.cached_property
    def sns(self) -> Any:
        return aws.client("sns", self.settings)

    def check(self) -> WatchResult:
        config, now = self.config(), self.clock()
        ledger = self.ledger(now, config.sla_seconds)
        overdue = ledger.overdue(now, config.sla_seconds)
        alerted = bool(overdue) and self.alert(overdue, config.sla_seconds)
        for late in overdue:
            self.reporter.report(breach_event(late, config.sla_seconds, now, self.identity))
            pipeline_metrics.sla_breach()
            _log.warning("SLA breach: %s received %s, %.0f s ago", late.id, late.received_at.isoformat(),
                         late.age_seconds)
        self.reporter.flush()
        return WatchResult(ledger.open_count(), [late.id for late in overdue], alerted)

    def ledger(self, now: datetime, sla_seconds: int) -> SlaLedger:
        """The SLA-relevant steps of the look-back window, from the status table's index."""
        ledger = SlaLedger()
        try:
            for step in self.status.sla_steps(now - lookback(sla_seconds), now):
                ledger.add(step)
        except ClientError as exc:
            if "index" not in str(exc):
                raise
            table = self.settings.status_table
            raise MissingIndexError(f"the status table {table} has no {SLA_INDEX} index ({exc}); create the "
                                    "table from template.yaml or localstack/bootstrap.py") from None
        return ledger

    def alert(self, overdue: list[Overdue], sla_seconds: int) -> bool:
        """One SNS message naming the late messages; False when no topic is configured (locally)."""
        if not self.settings.alert_topic_arn:
            return False
        subject, text = breach_summary(overdue, sla_seconds)
        self.sns.publish(TopicArn=self.settings.alert_topic_arn, Subject=subject[:SNS_SUBJECT_LIMIT],
                         Message=text)
        return True


_watchdog = Watchdog()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled entry point; the EventBridge event carries nothing the check needs."""
    return dataclasses.asdict(_watchdog.check())

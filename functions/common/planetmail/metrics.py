"""Pipeline metrics: the one place their names, namespace and dimensions are defined.

Handlers report through ``pipeline_metrics`` (Powertools single metrics, CloudWatch Embedded Metric
Format printed on stdout), so the same call feeds CloudWatch on AWS and the local emulator, which
parses the EMF lines from each function's output::

    from planetmail.metrics import pipeline_metrics

    pipeline_metrics.observe(event)             # after LifecycleReporter.report(event): counts + e2e latency
    with pipeline_metrics.timed("processor"):   # StageLatency of one unit of work
        ...

``observe`` reads the dimensions from ``LifecycleEvent.detail`` under the names in ``DIMENSIONS``
(``provider``, ``category``, ``language``, ``priority``, ``reason``); the dashboard reads the same keys
from ``mail.events``, so a handler that fills them gets both views. Each EMF document carries one metric
so that every metric keeps its own dimension set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Final

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from planetmail.lifecycle import LifecycleEvent

NAMESPACE: Final = "Planetmail"
SERVICE_DIMENSION: Final = "service"
ENV_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
"""Powertools' own variable (set per function in template.yaml); names the ``service`` dimension."""
UNKNOWN: Final = "unknown"


class Metric(StrEnum):
    RECEIVED = "Received"
    CLASSIFIED = "Classified"
    ACKNOWLEDGED = "Acknowledged"
    SUPPRESSED = "Suppressed"
    FAILED = "Failed"
    SLA_BREACHES = "SlaBreaches"
    STAGE_LATENCY = "StageLatency"
    END_TO_END_LATENCY = "EndToEndLatency"
    """received → acknowledged, the figure the 5-minute SLA is about."""


DIMENSIONS: Final[Mapping[Metric, tuple[str, ...]]] = {
    Metric.RECEIVED: ("provider",),
    Metric.CLASSIFIED: ("category", "language", "priority"),
    Metric.ACKNOWLEDGED: ("category", "language", "priority"),
    Metric.SUPPRESSED: ("reason",),
    Metric.FAILED: ("stage", "reason"),
    Metric.SLA_BREACHES: (),
    Metric.STAGE_LATENCY: ("stage",),
    Metric.END_TO_END_LATENCY: (),
}

LATENCY_METRICS: Final = frozenset({Metric.STAGE_LATENCY, Metric.END_TO_END_LATENCY})

_COUNTED_STATES: Final[Mapping[str, Metric]] = {
    "received": Metric.RECEIVED,
    "classified": Metric.CLASSIFIED,
    "acknowledged": Metric.ACKNOWLEDGED,
    "suppressed": Metric.SUPPRESSED,
    "failed": Metric.FAILED,
    "sla_breach": Metric.SLA_BREACHES,
}


DETAIL_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {"provider": ("provider", "source")}
"""``provider`` may also be given as ``source`` (the InboundEmail field the collector reports)."""


def detail_value(event: LifecycleEvent, name: str) -> str:
    """A dimension's value in ``event.detail`` (``stage`` is the event's own), or ``unknown``."""
    if name == "stage":
        return event.stage
    found = next((event.detail[k] for k in DETAIL_ALIASES.get(name, (name,)) if event.detail.get(k)), None)
    return UNKNOWN if found in (None, "") else str(found)


def dimensions_of(metric: Metric, event: LifecycleEvent) -> dict[str, str]:
    return {name: detail_value(event, name) for name in DIMENSIONS[metric]}


def metric_for_state(state: str) -> Metric | None:
    return _COUNTED_STATES.get(state)


class PipelineMetrics:
    """Thin helper over Powertools ``single_metric``; every call prints one EMF line at once."""

    def __init__(self, service: str | None = None, namespace: str = NAMESPACE) -> None:
        self._service = service
        self._namespace = namespace

    def count(self, metric: Metric, **dimensions: str) -> None:
        self._emit(metric, MetricUnit.Count, 1, dimensions)

    def received(self, *, provider: str) -> None:
        self.count(Metric.RECEIVED, provider=provider)

    def classified(self, *, category: str, language: str, priority: str) -> None:
        self.count(Metric.CLASSIFIED, category=category, language=language, priority=priority)

    def acknowledged(self, *, category: str, language: str, priority: str,
                     received_at: datetime, at: datetime) -> None:
        self.count(Metric.ACKNOWLEDGED, category=category, language=language, priority=priority)
        self.end_to_end_latency((at - received_at).total_seconds())

    def suppressed(self, *, reason: str) -> None:
        self.count(Metric.SUPPRESSED, reason=reason)

    def failed(self, *, stage: str, reason: str) -> None:
        self.count(Metric.FAILED, stage=stage, reason=reason)

    def sla_breach(self) -> None:
        self.count(Metric.SLA_BREACHES)

    def stage_latency(self, *, stage: str, seconds: float) -> None:
        self._emit(Metric.STAGE_LATENCY, MetricUnit.Milliseconds, seconds * 1000, {"stage": stage})

    def end_to_end_latency(self, seconds: float) -> None:
        self._emit(Metric.END_TO_END_LATENCY, MetricUnit.Milliseconds, seconds * 1000, {})

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Report the block's wall time as StageLatency, also when it raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_latency(stage=stage, seconds=time.perf_counter() - started)

    def observe(self, event: LifecycleEvent) -> None:
        """The metrics a lifecycle event stands for (nothing for states that are not counted)."""
        metric = metric_for_state(event.state)
        if metric is None:
            return
        self.count(metric, **dimensions_of(metric, event))
        if metric is Metric.ACKNOWLEDGED and event.received_at is not None:
            self.end_to_end_latency((event.at - event.received_at).total_seconds())

    def _emit(self, metric: Metric, unit: MetricUnit, value: float, dimensions: Mapping[str, str]) -> None:
        service = self._service or os.environ.get(ENV_SERVICE_NAME)
        defaults = {SERVICE_DIMENSION: service} if service else {}
        with single_metric(name=metric.value, unit=unit, value=value, namespace=self._namespace,
                           default_dimensions=defaults) as emitted:
            for name, dimension_value in dimensions.items():
                emitted.add_dimension(name=name, value=dimension_value)


pipeline_metrics = PipelineMetrics()

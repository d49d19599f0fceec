"""Prometheus exposition of an Observatory: one custom collector, a private registry per app."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from planetmail_local.observability.stats import LatencyHistogram

if TYPE_CHECKING:
    from planetmail_local.observability.observatory import Observatory

PREFIX = "planetmail"


class ObservatoryCollector(Collector):
    def __init__(self, observatory: Observatory) -> None:
        self._observatory = observatory

    def collect(self) -> Iterator[Metric]:
        yield from self._pipeline()
        yield from self._lag()
        yield from self._emulator()
        yield from self._emf()

    def _pipeline(self) -> Iterator[Metric]:
        view = self._observatory.pipeline
        snapshot = view.snapshot()
        yield _counter("lifecycle_events", "Lifecycle events on mail.events by state", "state",
                       snapshot["totals"])
        for dimension, counts in snapshot["mix"].items():
            yield _counter(f"messages_by_{dimension}", f"Messages by {dimension}", dimension, counts)
        yield _counter("suppressions", "Suppressed messages by reason", "reason", snapshot["suppressions"])
        yield _counter("failures", "Failures by stage and reason", "reason", snapshot["failures"])
        yield _histogram("end_to_end_latency_seconds", "received → acknowledged", [((), view.latency)])
        yield _histogram("stage_latency_seconds", "Time per stage, queueing included (from mail.events)",
                         [((("stage", stage),), histogram) for stage, histogram in view.stage_histograms()])
        sla = snapshot["sla"]
        if sla["compliance"] is not None:
            yield _gauge("sla_compliance_ratio", "Acknowledgements within the SLA", sla["compliance"])
        yield _gauge("open_messages", "Received, no terminal state yet", sla["open"])
        yield _gauge("open_messages_over_sla", "Open messages older than the SLA", sla["open_over_sla"])

    def _lag(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(f"{PREFIX}_consumer_lag", "End offset minus committed offset",
                                   labels=["group", "topic"])
        for entry in self._observatory.lag():
            family.add_metric([entry.group, entry.topic], entry.lag)
        yield family

    def _emulator(self) -> Iterator[Metric]:
        mappings = self._observatory.emulator.mappings()
        for field in ("lag", "pollers", "batches_in_flight", "failure_destination_depth"):
            family = GaugeMetricFamily(f"{PREFIX}_mapping_{field}", f"Event-source mapping {field}",
                                       labels=["mapping"])
            for name, stats in mappings.items():
                family.add_metric([name], getattr(stats, field))
            yield family
        functions = self._observatory.emulator.functions()
        invocations = CounterMetricFamily(f"{PREFIX}_invocations", "Function invocations",
                                          labels=["function", "start", "outcome"])
        for function, function_stats in functions.items():
            for key, count in function_stats.invocations.items():
                invocations.add_metric([function, *key.split(":")], count)
        yield invocations
        yield _histogram("invocation_duration_seconds", "Handler duration per invocation",
                         [((("function", n),), s.durations.histogram) for n, s in functions.items()])

    def _emf(self) -> Iterator[Metric]:
        emf = self._observatory.emf
        counters: dict[str, list[tuple[dict[str, str], float]]] = {}
        for name, dims, value in emf.counters():
            counters.setdefault(name, []).append((dims, value))
        for name, rows in counters.items():
            labels = sorted({k for dims, _ in rows for k in dims})
            family = CounterMetricFamily(f"{PREFIX}_emf_{_snake(name)}", f"EMF metric {name}", labels=labels)
            for dims, value in rows:
                family.add_metric([dims.get(k, "") for k in labels], value)
            yield family
        histograms: dict[str, list[tuple[tuple[tuple[str, str], ...], LatencyHistogram]]] = {}
        for name, dims, recorder in emf.latencies():
            histograms.setdefault(name, []).append((tuple(sorted(dims.items())), recorder.histogram))
        for name, histogram_rows in histograms.items():
            yield _histogram(f"emf_{_snake(name)}_seconds", f"EMF metric {name}", histogram_rows)


def _counter(name: str, documentation: str, label: str, counts: Mapping[str, float]) -> Metric:
    family = CounterMetricFamily(f"{PREFIX}_{name}", documentation, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


def _gauge(name: str, documentation: str, value: float) -> Metric:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


def _histogram(name: str, documentation: str,
               rows: Iterable[tuple[tuple[tuple[str, str], ...], LatencyHistogram]]) -> Metric:
    rows = list(rows)
    labels = sorted({k for dims, _ in rows for k, _ in dims})
    family = HistogramMetricFamily(f"{PREFIX}_{name}", documentation, labels=labels)
    for dims, histogram in rows:
        values = dict(dims)
        family.add_metric([values.get(k, "") for k in labels],
                          [(le, float(count)) for le, count in histogram.cumulative()], histogram.sum)
    return family


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def exposition(observatory: Observatory) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ObservatoryCollector(observatory))
    return generate_latest(registry)

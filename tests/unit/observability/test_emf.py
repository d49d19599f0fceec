"""EMF parsing and aggregation (the emulator's side of planetmail.metrics)."""

from __future__ import annotations

import json

import pytest

from planetmail_local.observability.emf import EmfAggregator, parse_line


def emf(name: str, unit: str, value: object, dimensions: list[list[str]] | None = None, **fields: str) -> str:
    return json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
        "Namespace": "Planetmail", "Dimensions": dimensions if dimensions is not None else [list(fields)],
        "Metrics": [{"Name": name, "Unit": unit}]}]}, **fields, name: value})


@pytest.mark.parametrize("line", [
    "START RequestId: 1 Version: $LATEST",
    '{"level": "INFO", "message": "hello", "tracking_id": "M1"}',
    "{not json",
    '["_aws"]',
    emf("Received", "Count", "many", provider="ses"),
])
def test_lines_without_usable_emf_yield_nothing(line):
    assert parse_line(line) == []


def test_a_prefixed_line_with_list_values_and_two_dimension_sets():
    line = "2026-01-01T00:00:00Z\tabc\tINFO\t" + emf("Received", "Count", [1, 2, True],
                                                     [["provider"], []], provider="ses")
    first, second = parse_line(line)
    assert (first.dimensions, first.values) == ((("provider", "ses"),), (1.0, 2.0))
    assert second.dimensions == ()


def test_counts_are_summed_per_dimensions_and_function():
    aggregator = EmfAggregator()
    lines = [emf("Received", "Count", 1, provider="ses")] * 3 + [emf("Received", "Count", 1, provider="imap")]
    assert aggregator.ingest_lines(lines, "CollectorFunction") == 4
    assert aggregator.counters() == [
        ("Received", {"function": "CollectorFunction", "provider": "imap"}, 1.0),
        ("Received", {"function": "CollectorFunction", "provider": "ses"}, 3.0),
    ]


def test_time_units_become_histograms_in_seconds():
    aggregator = EmfAggregator()
    aggregator.ingest_line(emf("EndToEndLatency", "Milliseconds", [200, 400, 4000]))
    aggregator.ingest_line(emf("EndToEndLatency", "Seconds", 1))
    ((name, dims, recorder),) = aggregator.latencies()
    assert (name, dims, recorder.histogram.count) == ("EndToEndLatency", {}, 4)
    assert recorder.histogram.sum == pytest.approx(5.6)
    (latency,) = aggregator.snapshot()["latencies"]
    assert (latency["p50"], latency["p99"]) == (pytest.approx(0.4), pytest.approx(4.0))
    assert aggregator.snapshot()["documents"] == 2

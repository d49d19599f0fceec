"""Histogram buckets and nearest-rank percentiles."""

from __future__ import annotations

from planetmail_local.observability.stats import LatencyHistogram, percentile, summary


def test_cumulative_buckets_end_with_inf_and_bounds_are_inclusive():
    histogram = LatencyHistogram(bounds=(1.0, 5.0))
    for seconds in (0.5, 1.0, 3.0, 9.0):
        histogram.observe(seconds)
    assert histogram.cumulative() == [("1.0", 2), ("5.0", 3), ("+Inf", 4)]
    assert (histogram.count, histogram.sum) == (4, 13.5)


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([], 50) is None
    assert summary([3.0, 1.0, 2.0]) == {"p50": 2.0, "p95": 3.0, "p99": 3.0}

"""EmulatorStats: the hooks the FaaS emulator calls."""

from __future__ import annotations

from planetmail_local.observability.emulator import EmulatorStats


def test_invocations_are_counted_by_start_and_outcome_with_durations():
    stats = EmulatorStats()
    stats.record_invocation("ResponderFunction", duration_seconds=1.2, cold=True)
    stats.record_invocation("ResponderFunction", duration_seconds=0.1, cold=False)
    stats.record_invocation("ResponderFunction", duration_seconds=0.3, cold=False, error=True)
    snapshot = stats.snapshot()["functions"]["ResponderFunction"]
    assert snapshot["invocations"] == {"cold:ok": 1, "warm:ok": 1, "warm:error": 1}
    assert snapshot["count"] == 3
    assert snapshot["duration"] == {"p50": 0.3, "p95": 1.2, "p99": 1.2}


def test_mapping_stats_are_replaced_not_accumulated():
    stats = EmulatorStats()
    stats.set_mapping_stats("ProcessorFunction:mail.received", lag=40, pollers=1)
    stats.set_mapping_stats("ProcessorFunction:mail.received", lag=3, pollers=2, batches_in_flight=1,
                            failure_destination_depth=4)
    assert stats.snapshot()["mappings"] == {"ProcessorFunction:mail.received": {
        "lag": 3, "pollers": 2, "batches_in_flight": 1, "failure_destination_depth": 4}}

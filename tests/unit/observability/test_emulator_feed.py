from planetmail_local.emulator.runtime.invocation import Invocation
from planetmail_local.observability.emulator import EmulatorStats
from planetmail_local.observability.emulator_feed import EmulatorFeed


def test_invocations_are_counted_cold_or_warm_and_failed_or_not():
    stats = EmulatorStats()
    feed = EmulatorFeed(stats)
    feed.on_invocation("ProcessorFunction", Invocation("r1", "{}", duration_ms=120.0, init_ms=900.0))
    feed.on_invocation("ProcessorFunction", Invocation("r2", "{}", duration_ms=20.0))
    feed.on_invocation("ProcessorFunction", Invocation("r3", "{}", error_type="Unhandled", duration_ms=5.0))
    counts = stats.functions()["ProcessorFunction"].invocations
    assert dict(counts) == {"cold:ok": 1, "warm:ok": 1, "warm:error": 1}


def test_mapping_figures_are_copied_from_the_emulator_status():
    stats = EmulatorStats()
    EmulatorFeed(stats).copy_mappings({"mappings": {
        "ProcessorFunction:mail.received": {"lag": 42, "pollers": 3, "batches_in_flight": 2,
                                            "dead_lettered": 1, "processed": 900}}})
    figures = stats.mappings()["ProcessorFunction:mail.received"]
    assert (figures.lag, figures.pollers, figures.batches_in_flight, figures.failure_destination_depth) == (
        42, 3, 2, 1)

"""The bare pipeline's acknowledgement is followed like planetmail's; the ratio is acknowledged/s."""

from __future__ import annotations

import dataclasses

from planetmail.inbound import new_tracking_id
from planetmail_local.bench.bare import acknowledgement
from planetmail_local.bench.follow import TRACKING_ID_IN_SUBJECT
from planetmail_local.bench.report import BenchResult, ratio_to_baseline


def test_the_bench_finds_the_tracking_id_in_a_bare_acknowledgement() -> None:
    tracking_id = new_tracking_id()

    match = TRACKING_ID_IN_SUBJECT.search(str(acknowledgement(tracking_id, "complaints")["Subject"]))

    assert match is not None and match.group(1) == tracking_id


def _result(throughput: float) -> BenchResult:
    return BenchResult(sent=10, accepted=10, rejected=0, acknowledged=10, suppressed_expected=0,
                       auto_replies_answered=0, spam_answered=0, spam_answered_held_out=0, lost=0,
                       duplicates=0, duration_s=1.0, throughput_per_s=throughput, latency_ms={}, latencies=[])


def test_the_ratio_is_the_pipelines_rate_over_the_baselines() -> None:
    assert ratio_to_baseline(_result(24.0), _result(80.0)) == 0.3
    assert ratio_to_baseline(_result(24.0), dataclasses.replace(_result(0.0))) is None

"""PipelineView: the dashboard's picture of mail.events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail_local.observability.pipeline import PipelineView
from planetmail_local.observability.synthetic import message_events

NOW = utcnow().replace(microsecond=0)


def view_with(*messages: list[LifecycleEvent], **options) -> PipelineView:
    view = PipelineView(clock=lambda: NOW, **options)
    for events in messages:
        for event in events:
            view.add(event)
    return view


def ago(seconds: float):
    return NOW - timedelta(seconds=seconds)


def test_totals_and_mix_follow_the_events():
    view = view_with(
        message_events(ago(20), latency=timedelta(seconds=1), provider="ses", category="praise",
                       language="es"),
        message_events(ago(10), latency=timedelta(seconds=1), outcome="suppressed", category="spam",
                       reason="auto_submitted"),
        message_events(ago(5), latency=timedelta(seconds=1), outcome="failed", reason="model_unavailable"),
    )
    snapshot = view.snapshot()
    assert snapshot["totals"] == {"received": 3, "classified": 2, "ack_requested": 1, "acknowledged": 1,
                                  "suppressed": 1, "failed": 1}
    assert snapshot["mix"]["category"] == {"praise": 1, "spam": 1}
    assert snapshot["mix"]["language"] == {"es": 1, "en": 1}
    assert snapshot["mix"]["provider"] == {"ses": 1, "sendgrid": 2}
    assert snapshot["suppressions"] == {"auto_submitted": 1}
    assert snapshot["failures"] == {"processor: model_unavailable": 1}


def test_a_redelivered_event_is_counted_once():
    events = message_events(ago(10), latency=timedelta(seconds=2))
    view = view_with(events, events)
    assert view.snapshot()["totals"]["acknowledged"] == 1
    assert view.latency.count == 1


def test_latency_percentiles_and_sla_compliance():
    latencies = [0.5, 1, 2, 400]
    view = view_with(*(message_events(ago(450), latency=timedelta(seconds=s)) for s in latencies),
                     message_events(ago(600), latency=timedelta(0), outcome="open"))
    snapshot = view.snapshot()
    assert snapshot["latency"] == {"p50": 1.0, "p95": 400.0, "p99": 400.0}
    assert snapshot["sla"] == {"sla_seconds": 300, "acknowledged": 4, "within_sla": 3, "compliance": 0.75,
                               "open": 1, "open_over_sla": 1, "breaches": 0}


def test_stage_latency_runs_from_the_previous_stage_s_last_step():
    view = view_with(message_events(ago(60), latency=timedelta(seconds=10)),
                     message_events(ago(60), latency=timedelta(seconds=20), outcome="suppressed"))
    stages = view.snapshot()["stage_latency"]
    assert stages["processor"] == {"count": 2, "p50": 4.0, "p95": 8.0, "p99": 8.0}
    assert stages["responder"] == {"count": 2, "p50": 6.0, "p95": 12.0, "p99": 12.0}


def test_series_buckets_by_event_time_and_ignores_events_older_than_the_window():
    view = view_with(message_events(ago(12), latency=timedelta(seconds=1)),
                     message_events(ago(7200), latency=timedelta(seconds=1)),
                     bucket_seconds=5, window_seconds=60)
    series = view.series()
    assert len(series["t"]) == 12
    assert sum(series["throughput"]["received"]) * 5 == 1
    assert [v for v in series["latency"]["p50"] if v is not None] == [1.0]
    assert view.snapshot()["totals"]["received"] == 2
    assert view.rates(60)["acknowledged"] == pytest.approx(1 / 60)


def test_recent_is_newest_first_with_a_timeline_per_message_and_old_ones_evicted():
    first, second, third = (message_events(ago(s), latency=timedelta(seconds=1)) for s in (30, 20, 10))
    view = view_with(first, third, second, max_messages=2)  # consumed out of arrival order
    recent = view.recent(10)
    assert [m["id"] for m in recent] == [third[0].id, second[0].id]
    assert recent[0]["category"] == "questions"
    assert recent[0]["latency_seconds"] == 1.0
    record = view.message(second[0].id)
    assert record is not None
    assert [step["state"] for step in record["timeline"]] == [
        "received", "classified", "ack_requested", "acknowledged"]
    assert view.message(first[0].id) is None


def test_config_events_are_not_messages():
    view = view_with([LifecycleEvent(id="v7", stage="config", state="config_changed")])
    assert view.recent() == []
    assert view.events == 0


def test_the_collectors_source_detail_counts_as_provider():
    view = view_with([LifecycleEvent(id="M1", stage="collector", state="received", at=ago(3),
                                     detail={"source": "postmark", "sender": "reader@example.org"})])
    assert view.snapshot()["mix"]["provider"] == {"postmark": 1}
    assert view.recent()[0]["provider"] == "postmark"
    assert "sender" not in view.recent()[0]


def test_open_over_sla_counts_only_messages_still_owed_an_outcome():
    spam = message_events(ago(900), latency=timedelta(seconds=1), outcome="suppressed", category="spam")
    spam_stopped_at_classified = spam[:-1]
    failed = message_events(ago(900), latency=timedelta(seconds=1), outcome="failed")
    waiting = message_events(ago(900), latency=timedelta(0), outcome="open")
    before = view_with(spam_stopped_at_classified, waiting).snapshot()["sla"]
    assert (before["open"], before["open_over_sla"]) == (2, 2)
    after = view_with(spam, failed, waiting).snapshot()["sla"]
    assert (after["open"], after["open_over_sla"]) == (1, 1)

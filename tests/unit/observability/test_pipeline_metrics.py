"""planetmail.metrics: the EMF every handler prints, read back with the emulator's parser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail.metrics import DIMENSIONS, NAMESPACE, Metric, PipelineMetrics
from planetmail_local.observability.emf import EmfSample, parse_line


def emitted(capsys: pytest.CaptureFixture[str]) -> list[EmfSample]:
    return [s for line in capsys.readouterr().out.splitlines() for s in parse_line(line)]


def test_each_call_prints_one_emf_document_with_its_own_dimensions(capsys):
    metrics = PipelineMetrics(service="processor")
    metrics.received(provider="mailgun")
    metrics.classified(category="praise", language="es", priority="high")
    samples = emitted(capsys)
    assert [(s.namespace, s.name, s.unit, s.values) for s in samples] == [
        (NAMESPACE, "Received", "Count", (1.0,)), (NAMESPACE, "Classified", "Count", (1.0,))]
    assert dict(samples[0].dimensions) == {"service": "processor", "provider": "mailgun"}
    assert dict(samples[1].dimensions) == {"service": "processor", "category": "praise", "language": "es",
                                           "priority": "high"}


def test_acknowledged_also_reports_end_to_end_latency_in_milliseconds(capsys):
    now = utcnow()
    PipelineMetrics().acknowledged(category="questions", language="en", priority="normal",
                                   received_at=now - timedelta(seconds=2.5), at=now)
    count, latency = emitted(capsys)
    assert count.name == "Acknowledged"
    assert (latency.name, latency.unit, latency.values) == ("EndToEndLatency", "Milliseconds", (2500.0,))


def test_timed_reports_stage_latency_even_when_the_block_raises(capsys):
    with pytest.raises(RuntimeError), PipelineMetrics().timed("responder"):
        raise RuntimeError("smtp down")
    (sample,) = emitted(capsys)
    assert sample.name == "StageLatency"
    assert dict(sample.dimensions) == {"stage": "responder"}
    assert sample.values[0] >= 0


def test_service_dimension_comes_from_powertools_variable(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "collector")
    PipelineMetrics().sla_breach()
    (sample,) = emitted(capsys)
    assert dict(sample.dimensions) == {"service": "collector"}


@pytest.mark.parametrize(("state", "detail", "expected"), [
    ("received", {"provider": "ses"}, ("Received", {"provider": "ses"})),
    ("received", {"source": "imap", "sender": "a@example.org"}, ("Received", {"provider": "imap"})),
    ("classified", {"category": "spam", "language": "en"},
     ("Classified", {"category": "spam", "language": "en", "priority": "unknown"})),
    ("suppressed", {"reason": "auto_submitted"}, ("Suppressed", {"reason": "auto_submitted"})),
    ("failed", {}, ("Failed", {"stage": "processor", "reason": "unknown"})),
    ("sla_breach", {}, ("SlaBreaches", {})),
])
def test_observe_maps_a_lifecycle_event_onto_its_metric(capsys, state, detail, expected):
    PipelineMetrics().observe(LifecycleEvent(id="M1", stage="processor", state=state, detail=detail))
    (sample,) = emitted(capsys)
    assert (sample.name, dict(sample.dimensions)) == expected


def test_observe_reports_latency_for_an_acknowledgement_and_nothing_for_uncounted_states(capsys):
    now = utcnow()
    metrics = PipelineMetrics()
    metrics.observe(LifecycleEvent(id="M1", stage="processor", state="ack_requested"))
    metrics.observe(LifecycleEvent(id="M1", stage="responder", state="acknowledged", at=now,
                                   received_at=now - timedelta(milliseconds=750)))
    assert [(s.name, s.values) for s in emitted(capsys)] == [("Acknowledged", (1.0,)),
                                                            ("EndToEndLatency", (750.0,))]


def test_every_metric_declares_its_dimensions():
    assert set(DIMENSIONS) == set(Metric)

"""The dashboard app: page, Prometheus exposition, JSON API and problem+json errors.

The Observatory is not started (no Kafka): events and emulator figures are handed in directly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from planetmail.inbound import utcnow
from planetmail.metrics import PipelineMetrics
from planetmail.settings import Settings
from planetmail_local.observability import Observatory, create_app
from planetmail_local.observability.synthetic import message_events


@pytest.fixture
def observatory() -> Observatory:
    observatory = Observatory(Settings.load(topic_prefix="unit."))
    for latency in (0.2, 1.5):
        for event in message_events(utcnow() - timedelta(seconds=10), latency=timedelta(seconds=latency),
                                    category="complaints", priority="high"):
            observatory.pipeline.add(event)
    return observatory


@pytest.fixture
def client(observatory: Observatory) -> TestClient:
    return TestClient(create_app(observatory))


def test_the_page_and_its_vendored_chart_library_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "static/vendor/chart.umd.min.js" in page.text
    assert "cdn" not in page.text.lower()
    library = client.get("/static/vendor/chart.umd.min.js")
    assert library.status_code == 200
    assert "Chart.js" in library.text[:200]
    assert client.get("/static/vendor/LICENSE.chartjs.txt").status_code == 200


def test_prometheus_exposition_has_latency_histograms_and_counters(client, observatory):
    observatory.emulator.record_invocation("ProcessorFunction", duration_seconds=0.04, cold=True)
    observatory.emulator.set_mapping_stats("ProcessorFunction:mail.received", lag=7, pollers=2)
    body = client.get("/metrics").text
    assert 'planetmail_lifecycle_events_total{state="acknowledged"} 2.0' in body
    assert 'planetmail_end_to_end_latency_seconds_bucket{le="1.0"} 1.0' in body
    assert "planetmail_end_to_end_latency_seconds_count 2.0" in body
    assert 'planetmail_stage_latency_seconds_count{stage="responder"} 2.0' in body
    assert 'planetmail_messages_by_priority_total{priority="high"} 2.0' in body
    assert 'planetmail_mapping_lag{mapping="ProcessorFunction:mail.received"} 7.0' in body
    assert 'planetmail_invocations_total{function="ProcessorFunction",outcome="ok",start="cold"} 1.0' in body
    assert 'planetmail_invocation_duration_seconds_bucket{function="ProcessorFunction",le="0.05"} 1.0' in body


def test_emf_lines_posted_by_the_emulator_show_up_in_both_views(client, capsys):
    PipelineMetrics(service="processor").classified(category="praise", language="en", priority="normal")
    PipelineMetrics().end_to_end_latency(0.3)
    output = "START RequestId: 1\n" + capsys.readouterr().out
    assert client.post("/api/emf/ProcessorFunction", content=output).json() == {"metrics": 2}
    body = client.get("/metrics").text
    assert ('planetmail_emf_classified_total{category="praise",function="ProcessorFunction",language="en",'
            'priority="normal",service="processor"} 1.0') in body
    assert ('planetmail_emf_end_to_end_latency_seconds_bucket{function="ProcessorFunction",le="0.5"} 1.0'
            in body)
    assert client.get("/api/metrics").json()["emf"]["documents"] == 2


def test_json_api_and_message_timeline(client):
    snapshot = client.get("/api/metrics").json()
    assert set(snapshot) == {"pipeline", "lag", "emulator", "emf", "feed"}
    assert snapshot["pipeline"]["sla"]["compliance"] == 1.0
    recent = client.get("/api/messages/recent", params={"limit": 1}).json()
    assert len(recent) == 1
    record = client.get(f"/api/messages/{recent[0]['id']}").json()
    assert record["timeline"][-1]["state"] == "acknowledged"


@pytest.mark.parametrize(("path", "status", "detail"), [
    ("/api/messages/NOPE", 404, "no lifecycle events for message 'NOPE'"),
    ("/api/messages/recent?limit=0", 400, "query.limit: Input should be greater than or equal to 1"),
    ("/api/messages/recent?limit=x", 400, "query.limit: Input should be a valid integer"),
    ("/nowhere", 404, "Not Found"),
])
def test_errors_are_problem_json_with_a_precise_detail(client, path, status, detail):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(detail)

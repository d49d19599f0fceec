"""The `planetmail metrics` table, rendered from an /api/metrics document."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console

from planetmail.inbound import utcnow
from planetmail.settings import Settings
from planetmail_local.cli.metrics import render
from planetmail_local.observability import Observatory
from planetmail_local.observability.synthetic import message_events


def test_table_shows_rates_latency_sla_lag_and_failures():
    observatory = Observatory(Settings.load(topic_prefix="unit."), sla_seconds=1)
    received = utcnow() - timedelta(seconds=20)
    for events in (message_events(received, latency=timedelta(seconds=0.5)),
                   message_events(received, latency=timedelta(seconds=3)),
                   message_events(received, latency=timedelta(seconds=1), outcome="failed", reason="boom")):
        for event in events:
            observatory.pipeline.add(event)
    observatory.emulator.set_mapping_stats("ProcessorFunction:mail.received", lag=9, pollers=3)
    console = Console(record=True, width=120)
    console.print(render(observatory.snapshot()))
    text = console.export_text()
    assert "SLA compliance (1 s)" in text
    assert "50.0 %" in text
    assert "end-to-end p95" in text
    assert "3.000 s" in text
    assert "failed: processor: boom" in text
    assert "lag 9, pollers 3" in text
    assert "acknowledged /s (1 min)" in text

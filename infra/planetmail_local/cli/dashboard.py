"""``planetmail dashboard``: serve the live dashboard, ``/metrics`` and the JSON API."""

from __future__ import annotations

import click

from planetmail.settings import Settings
from planetmail_local.observability.server import DEFAULT_HOST, DEFAULT_PORT, serve


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--sla-seconds", type=click.FloatRange(min=1), help="Override the configured SLA.")
def dashboard(host: str, port: int, sla_seconds: float | None) -> None:
    """Follow mail.events and serve the dashboard at http://HOST:PORT/ until Ctrl-C."""
    click.echo(f"planetmail dashboard on http://{host}:{port}/  (Prometheus: /metrics, JSON: /api/metrics)")
    serve(Settings.load(), host, port, sla_seconds)

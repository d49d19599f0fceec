"""``planetmail metrics``: rates, latencies, SLA compliance, lag and failures in one compact table.

Reads the dashboard's ``/api/metrics``; when no dashboard answers, replays ``mail.events`` and asks
Kafka for the lag directly (slower, same figures).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import click
import httpx
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from planetmail import topics
from planetmail.kafka import make_admin
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.observability.observatory import Observatory
from planetmail_local.observability.server import DEFAULT_URL

REPLAY_TIMEOUT_SECONDS = 20.0


@click.command()
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Dashboard to ask first.")
@click.option("--window", default=15, show_default=True, type=click.IntRange(1, 24 * 60),
              help="Minutes of mail.events to replay when no dashboard answers.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw /api/metrics document.")
def metrics(url: str, window: int, as_json: bool) -> None:
    """Show the pipeline's rates, latencies, SLA compliance, lag and failures."""
    snapshot, source = fetch_snapshot(url, timedelta(minutes=window))
    if as_json:
        click.echo(json.dumps(snapshot, indent=2, default=str))
        return
    console = Console()
    console.print(render(snapshot))
    console.print(f"[dim]source: {source}[/dim]")


def fetch_snapshot(url: str, window: timedelta) -> tuple[dict[str, Any], str]:
    try:
        response = httpx.get(f"{url.rstrip('/')}/api/metrics", timeout=3.0)
    except httpx.HTTPError:
        return from_kafka(window), f"Kafka (no dashboard at {url})"
    if response.status_code != 200:
        raise UserError(f"{url}/api/metrics answered {response.status_code}; check --url points at "
                        "a planetmail dashboard")
    return response.json(), url


def from_kafka(window: timedelta) -> dict[str, Any]:
    """Replay the window of mail.events and read the lag, without any server."""
    settings = Settings.load()
    require_events_topic(settings)
    observatory = Observatory(settings, lookback=window)
    observatory.feed.start()
    try:
        if not observatory.feed.caught_up.wait(REPLAY_TIMEOUT_SECONDS):
            raise UserError("could not read mail.events within 20 s; is Kafka up? run 'planetmail status'")
        observatory.refresh_lag()
    finally:
        observatory.feed.stop()
    return observatory.snapshot()


def require_events_topic(settings: Settings) -> None:
    topic = settings.topic(topics.EVENTS)
    try:
        admin = make_admin(settings)
    except KafkaError as exc:
        raise UserError(f"Kafka at {settings.kafka_bootstrap} is not reachable ({exc}); "
                        "start the stack with 'planetmail up'") from None
    try:
        exists = topic in admin.list_topics()
    finally:
        admin.close()
    if not exists:
        raise UserError(f"topic {topic} does not exist; run 'planetmail up' to create the pipeline's topics")


def render(snapshot: Mapping[str, Any]) -> Table:
    pipeline = snapshot["pipeline"]
    table = Table(title="planetmail metrics", show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rates = pipeline["rates"]
    for state, rate in rates.items():
        total = pipeline["totals"].get(state, 0)
        table.add_row(f"{state} /s (1 min)", f"{rate:.2f}  [dim]total {total}[/dim]")
    table.add_section()
    for key, value in pipeline["latency"].items():
        table.add_row(f"end-to-end {key}", _seconds(value))
    for stage, figures in pipeline["stage_latency"].items():
        table.add_row(f"{stage} stage p50 / p95", f"{_seconds(figures['p50'])} / {_seconds(figures['p95'])}")
    sla = pipeline["sla"]
    compliance = "-" if sla["compliance"] is None else f"{100 * sla['compliance']:.1f} %"
    table.add_row(f"SLA compliance ({sla['sla_seconds']:g} s)", compliance)
    table.add_row("open / over SLA / breaches", f"{sla['open']} / {sla['open_over_sla']} / {sla['breaches']}")
    table.add_section()
    for entry in snapshot["lag"]:
        table.add_row(f"lag {entry['group']} ← {entry['topic']}", str(entry["lag"]))
    for name, stats in snapshot["emulator"]["mappings"].items():
        table.add_row(f"mapping {name}", f"lag {stats['lag']}, pollers {stats['pollers']}")
    table.add_section()
    for title, counts in (("failed", pipeline["failures"]), ("suppressed", pipeline["suppressions"])):
        for reason, count in sorted(counts.items(), key=lambda item: -item[1]):
            table.add_row(f"{title}: {reason}", str(count))
    return table


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"



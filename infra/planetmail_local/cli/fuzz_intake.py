"""``planetmail fuzz-intake --cases N``: hostile mail through the real API gateway into a throwaway
collector built from this checkout; prints cases, 2xx, 4xx, 5xx, dropped connections and the
longest collector invocation. Exit 1 when any case got a 5xx or no answer."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from planetmail.settings import Settings
from planetmail_local import fuzz_intake, hostile
from planetmail_local.cli.errors import UserError


@click.command("fuzz-intake")
@click.option("--cases", "count", type=click.IntRange(1, 100_000), default=300, show_default=True,
              help="Requests to send: the hostile corpus through every route first, then mutations.")
@click.option("--seed", type=int, default=15, show_default=True, help="Seed of the mutations (reproducible).")
@click.option("--route", "routes", type=click.Choice(list(hostile.WRAPPERS)), multiple=True,
              help="Only these routes (repeatable; default all).")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=fuzz_intake.TEMPLATE, show_default=True,
              help="The SAM template whose CollectorFunction is fuzzed (another checkout's for a baseline).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write the figures as JSON.")
def fuzz_intake_command(count: int, seed: int, routes: tuple[str, ...], template: Path,
                        json_out: str | None) -> None:
    """Hostile mail (tests/fixtures/hostile, issue 15's generated cases, envelope attacks, mutations)
    posted to every collector route through the emulator's gateway, on the running stack
    ('planetmail up --no-pipeline' is enough)."""
    console = Console(stderr=True)

    def progress(report: fuzz_intake.FuzzReport) -> None:
        console.print(f"{report.cases}/{count} cases: {report.ok_2xx} 2xx, {report.client_4xx} 4xx, "
                      f"{report.server_5xx} 5xx, {report.dropped} dropped")

    settings = Settings.load()
    try:
        report = fuzz_intake.run(settings, count, seed, progress, template, routes or tuple(hostile.WRAPPERS))
    except KafkaError as exc:
        raise UserError(f"Kafka at {settings.kafka_bootstrap} is not reachable ({type(exc).__name__}); "
                        "start the stack with 'planetmail up --no-pipeline'") from None
    _print(report)
    if json_out:
        Path(json_out).write_text(json.dumps(dataclasses.asdict(report), indent=2), encoding="utf-8")
    if not report.passed:
        sys.exit(1)


def _print(report: fuzz_intake.FuzzReport) -> None:
    table = Table(title="planetmail fuzz-intake")
    for column in ("cases", "2xx", "4xx", "5xx", "dropped", "max collector ms", "max request ms"):
        table.add_column(column, justify="right")
    table.add_row(str(report.cases), str(report.ok_2xx), str(report.client_4xx), str(report.server_5xx),
                  str(report.dropped), f"{report.max_collector_ms:.0f}", f"{report.max_wall_ms:.0f}")
    console = Console()
    console.print(table)
    statuses = dict(sorted(report.by_status.items()))
    console.print(f"statuses: {statuses}; slowest request: {report.slowest_case}")
    for failure in report.failures:
        console.print(f"FAILED {failure}")

"""``planetmail up``, ``down``, ``status`` and ``logs``: the local stack's lifecycle."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import click
import httpx
from kazoo.exceptions import KazooException
from kazoo.handlers.threading import KazooTimeoutError
from rich.console import Console
from rich.table import Table

from planetmail.coordination.client import zookeeper
from planetmail.coordination.registry import registered
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.emulator.lambda_api import STATUS_PATH
from planetmail_local.emulator.service import DEFAULT_LAMBDA_PORT
from planetmail_local.stack import control
from planetmail_local.stack.components import stack_components
from planetmail_local.stack.config import TARGETS, StackConfig
from planetmail_local.stack.lifecycle import Origin
from planetmail_local.stack.local_file import read_local_file

console = Console(highlight=False)
MAPPING_COLUMNS = {"pollers": "pollers", "lag": "lag", "batches_in_flight": "in flight",
                   "processed": "processed", "dead_lettered": "dead-lettered"}
OWNERS = {Origin.EXTERNAL: "someone else (reused)", Origin.STOPPED: "-"}
TARGET_LINES = {
    "local": "target: local (functions coordinate and read their configuration through ZooKeeper)",
    "aws": "target: aws (functions coordinate through DynamoDB, read their configuration from SSM, "
           "and cannot reach ZooKeeper)",
}


def _config() -> StackConfig:
    return StackConfig.from_settings(Settings.load())


def _progress(name: str, message: str) -> None:
    console.print(f"[green]✔[/green] [bold]{name:<14}[/bold] {message}")


@click.command()
@click.option("--pipeline/--no-pipeline", default=True, show_default=True,
              help="Also train the model if missing and start the emulator running template.yaml.")
@click.option("--secure/--plaintext", default=None,
              help="Kafka on SASL_SSL (SCRAM-SHA-512, local CA) or PLAINTEXT; default: as local.json says.")
@click.option("--target", type=click.Choice(TARGETS), default="local", show_default=True,
              help="aws: the functions run as deployed (DynamoDB coordination, SSM configuration, "
              "no ZooKeeper reachable); local: ZooKeeper for both.")
def up(pipeline: bool, secure: bool | None, target: str) -> None:
    """Start the local stack (reusing whatever already runs healthy) and write .planetmail/local.json."""
    config = dataclasses.replace(_config(), target=target)
    if secure is not None:
        config = dataclasses.replace(config, secure=secure)
    running = read_local_file(config).get("target", "local")
    if pipeline and _pipeline_started(config) and running != target:
        raise UserError(f"the emulator runs the {running} target; stop it with 'planetmail down' "
                        f"and run 'planetmail up --target {target}'")
    with console.status("starting the local stack…"):
        document = control.up(config, _progress, pipeline=pipeline)
    console.print(f"\nlocal stack ready; URLs and credentials in [bold]{config.local_file}[/bold]")
    for key in ("target", "kafka_bootstrap", "kafka_security_protocol", "zookeeper", "aws_endpoint_url",
                "smtp_viewer_url", "api_url"):
        console.print(f"  {key:<23} {document[key]}")


@click.command()
@click.option("--purge", is_flag=True, help="Also delete the data folder (Kafka logs, ZooKeeper, mail).")
def down(purge: bool) -> None:
    """Stop the services this state folder started (hand-started ones are left alone)."""
    config = _config()
    control.down(config, purge, _progress, pipeline=_pipeline_started(config))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Each service with pid, port and health; exit 1 when one is not healthy."""
    config = _config()
    states = control.status(config, pipeline=_pipeline_started(config))
    if as_json:
        click.echo(json.dumps([{**vars(s), "origin": str(s.origin)} for s in states], indent=2))
    else:
        table = Table("service", "pid", "port", "health", "started by")
        for s in states:
            health = "[green]healthy[/green]" if s.healthy else "[red]down[/red]"
            owner = OWNERS.get(s.origin, "planetmail")
            table.add_row(s.name, str(s.pid or "-"), str(s.port), health, owner)
        console.print(table)
        console.print(TARGET_LINES[str(read_local_file(config).get("target", "local"))])
        healthy = {s.name for s in states if s.healthy}
        if "zookeeper" in healthy:
            _print_registry(config)
        if "emulator" in healthy:
            _print_mappings(config)
    if not all(s.healthy for s in states):
        raise SystemExit(1)


def _print_registry(config: StackConfig) -> None:
    """Every instance registered in ZooKeeper (emulators of this and other state folders)."""
    settings = config.settings()
    try:
        with zookeeper(settings, connect_timeout=3) as client:
            entries = registered(client, settings.zk_root)
    except (KazooException, KazooTimeoutError) as exc:
        console.print(f"registry: ZooKeeper did not answer ({type(exc).__name__})")
        return
    table = Table("registered", "instance", "pid", "functions", "mappings", "heartbeat", title="registry")
    for entry in entries:
        table.add_row(entry.kind, entry.instance, str(entry.pid), str(len(entry.functions)),
                      ", ".join(entry.mappings), f"{entry.age():.0f} s ago")
    console.print(table)


def _print_mappings(config: StackConfig) -> None:
    """Pollers, lag and batches in flight per Kafka event-source mapping, from the emulator."""
    url = f"http://{config.host}:{DEFAULT_LAMBDA_PORT}{STATUS_PATH}"
    try:
        mappings = httpx.get(url, timeout=3).json().get("mappings", {})
    except (httpx.HTTPError, ValueError) as exc:
        console.print(f"mappings: the emulator did not answer at {url} ({type(exc).__name__})")
        return
    table = Table("mapping", *MAPPING_COLUMNS.values(), title="Kafka mappings")
    for name, figures in sorted(mappings.items()):
        table.add_row(name, *(str(figures.get(key, 0)) for key in MAPPING_COLUMNS))
    console.print(table)


def _pipeline_started(config: StackConfig) -> bool:
    """The emulator is part of this stack when `up` started it (its pid file stays until `down`)."""
    return config.pid_file("emulator").exists()


@click.command()
@click.argument("service")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@click.option("-n", "--lines", default=50, show_default=True, help="How many last lines to print first.")
def logs(service: str, follow: bool, lines: int) -> None:
    """Print the log of SERVICE (zookeeper, kafka, aws, smtp, ...) or of a step (kafka-jars, ...)."""
    config = _config()
    names = [component.name for component in stack_components(config, pipeline=True)]
    if service not in names:
        raise UserError(f"no service named {service!r}; choose one of {', '.join(names)}")
    path = config.log_file(service)
    if not path.is_file():
        raise UserError(f"{path} does not exist yet; run 'planetmail up' first")
    _tail(path, lines, follow)


def _tail(path: Path, lines: int, follow: bool) -> None:
    with path.open(encoding="utf-8", errors="replace") as log:
        for line in log.readlines()[-lines:] if lines else []:
            click.echo(line, nl=False)
        while follow:
            line = log.readline()
            if line:
                click.echo(line, nl=False)
            else:
                time.sleep(0.3)

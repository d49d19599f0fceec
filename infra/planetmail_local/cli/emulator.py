"""``planetmail start`` and ``planetmail invoke``: the local FaaS emulator, driven by a SAM template."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from kazoo.handlers.threading import KazooTimeoutError

from planetmail.coordination.client import zookeeper
from planetmail.coordination.registry import register
from planetmail.kafka import connection_options
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.emulator.errors import EmulatorError, UnknownFunctionError
from planetmail_local.emulator.model import Application
from planetmail_local.emulator.runtime.concurrency import DEFAULT_WORKERS, MAX_WORKERS
from planetmail_local.emulator.service import DEFAULT_API_PORT, DEFAULT_LAMBDA_PORT, Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application, load_env_overrides, parse_parameter_overrides
from planetmail_local.observability.emulator_feed import EmulatorFeed
from planetmail_local.observability.observatory import Observatory
from planetmail_local.observability.server import DEFAULT_PORT as DASHBOARD_PORT
from planetmail_local.observability.server import serve_in_background

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_LOG_DIR = Path(".planetmail/logs")


def template_options(command: F) -> F:
    """-t/--template, --env-vars and --parameter-overrides, spelled as SAM spells them."""
    for option in reversed(
        [
            click.option(
                "-t",
                "--template",
                "template",
                type=click.Path(path_type=Path),
                default=Path("template.yaml"),
                show_default=True,
                help="SAM template to run.",
            ),
            click.option(
                "-n",
                "--env-vars",
                "env_vars",
                type=click.Path(path_type=Path),
                help='JSON file overriding environment variables: {"Function": {"VAR": "v"}}.',
            ),
            click.option(
                "--parameter-overrides", default="", help="Template parameters: 'Key=Value Key2=Value2'."
            ),
        ]
    ):
        command = option(command)
    return command


def load(template: Path, env_vars: Path | None, parameter_overrides: str, settings: Settings) -> Application:
    try:
        return load_application(
            template,
            parse_parameter_overrides(parameter_overrides),
            load_env_overrides(env_vars) if env_vars else {},
            kafka_bootstrap=settings.kafka_bootstrap,
        )
    except EmulatorError as exc:
        raise UserError(str(exc)) from None


@click.command()
@click.argument("function")
@click.option("-e", "--event", "event_path", required=True, help="Event JSON file, or - for stdin.")
@template_options
def invoke(
    function: str, event_path: str, template: Path, env_vars: Path | None, parameter_overrides: str
) -> None:
    """Invoke FUNCTION once with an event, like `sam local invoke -e EVENT`."""
    settings = Settings.load()
    app = load(template, env_vars, parameter_overrides, settings)
    if function not in app.functions:
        raise UserError(str(UnknownFunctionError(function, sorted(app.functions))))
    event = _read_event(event_path)
    with tempfile.TemporaryDirectory(prefix="planetmail-invoke-") as log_dir:
        emulator = Emulator(app, EmulatorOptions(log_dir=Path(log_dir)))
        try:
            invocation = emulator.invoke(function, event)
            log_file = emulator.pool(function).log_file
            click.echo(log_file.read_text(encoding="utf-8"), err=True, nl=False)
        except EmulatorError as exc:
            raise UserError(str(exc)) from None
        finally:
            emulator.stop()
    click.echo(invocation.payload)
    if invocation.failed:
        sys.exit(1)


@click.command()
@template_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=DEFAULT_API_PORT, show_default=True, help="API gateway port.")
@click.option("--lambda-port", default=DEFAULT_LAMBDA_PORT, show_default=True, help="Lambda Invoke API port.")
@click.option(
    "--log-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_LOG_DIR,
    show_default=True,
    help="One <Function>.log per function (START/END/REPORT and the handler's output).",
)
@click.option("--dashboard-port", default=DASHBOARD_PORT, show_default=True,
              help="Dashboard, JSON API and Prometheus /metrics; 0 turns them off.")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=DEFAULT_WORKERS, show_default=True,
              help="Worker processes per function at most (its concurrency), unless the template reserves "
              "its own (ReservedConcurrentExecutions); change one while running with the Lambda API's "
              "PutFunctionConcurrency.")
def start(
    template: Path,
    env_vars: Path | None,
    parameter_overrides: str,
    host: str,
    port: int,
    lambda_port: int,
    log_dir: Path,
    dashboard_port: int,
    workers: int,
) -> None:
    """Run the API gateway, the Lambda Invoke API, every Kafka mapping and schedule, in the foreground."""
    settings = Settings.load()
    app = load(template, env_vars, parameter_overrides, settings)
    options = {k: v for k, v in connection_options(settings).items() if k != "bootstrap_servers"}
    observatory = Observatory(settings)
    feed = EmulatorFeed(observatory.emulator)
    emulator = Emulator(
        app,
        EmulatorOptions(
            log_dir=log_dir, host=host, api_port=port, lambda_port=lambda_port, kafka_options=options,
            workers=workers,
        ),
        listener=feed.on_invocation,
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        emulator.start()
    except EmulatorError as exc:
        emulator.stop()
        raise UserError(str(exc)) from None
    with contextlib.ExitStack() as running:
        if dashboard_port:
            observatory.start()
            running.callback(observatory.stop)
            feed.follow(emulator.status)
            running.callback(feed.stop)
            url = running.enter_context(serve_in_background(observatory, host, dashboard_port))
            click.echo(f"dashboard  {url}/   metrics {url}/metrics", err=True)
        _register(running, settings, emulator, f"{socket.gethostname()}:{port}")
        _announce(app, host, port, lambda_port, log_dir)
        stopped.wait()
        click.echo("stopping: finishing in-flight batches", err=True)
        emulator.stop()


def _register(running: contextlib.ExitStack, settings: Settings, emulator: Emulator, instance: str) -> None:
    """An ephemeral node under <zk_root>/registry/emulator, so `planetmail status` sees this instance."""
    try:
        client = running.enter_context(zookeeper(settings))
    except KazooTimeoutError:
        click.echo(f"warning: ZooKeeper at {settings.zookeeper} is not reachable; this instance is not in "
                   "the service registry (start it with 'planetmail up')", err=True)
        return
    running.enter_context(register(client, settings.zk_root, "emulator", instance,
                                   functions=sorted(emulator.app.functions),
                                   mappings=[m.mapping.name for m in emulator.mappings]))


def _announce(app: Application, host: str, port: int, lambda_port: int, log_dir: Path) -> None:
    click.echo(f"API gateway      http://{host}:{port}")
    for route in app.routes:
        click.echo(f"  {route.method:6} {route.path}  -> {route.function} (payload {route.payload_version})")
    click.echo(f"Lambda Invoke API http://{host}:{lambda_port}  (status: /_emulator/status)")
    for mapping in app.kafka_mappings:
        click.echo(
            f"Kafka mapping    {mapping.topics[0]} -> {mapping.function} (group {mapping.consumer_group})"
        )
    for schedule in app.schedules:
        click.echo(f"Schedule         {schedule.expression} -> {schedule.function}")
    click.echo(f"Logs             {log_dir}/<Function>.log", err=False)


def _read_event(event_path: str) -> Any:
    source = "stdin" if event_path == "-" else f"event file {event_path}"
    try:
        text = sys.stdin.read() if event_path == "-" else Path(event_path).read_text(encoding="utf-8")
        return json.loads(text)
    except FileNotFoundError:
        raise UserError(f"{source} does not exist; pass -e PATH/EVENT.json or -e -") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{source} is not JSON ({exc.msg} at line {exc.lineno}); fix the event") from None

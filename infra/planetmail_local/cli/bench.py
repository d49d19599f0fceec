"""``planetmail bench``: realistic traffic through the public entry points, followed to the SMTP sink."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from planetmail.settings import Settings
from planetmail_local.bench import cpu
from planetmail_local.bench.baseline import BaselineError, bare_pipeline
from planetmail_local.bench.follow import Deliveries, wait_for_acknowledgements
from planetmail_local.bench.load import Submission, run_load
from planetmail_local.bench.outcomes import TerminalStates
from planetmail_local.bench.report import BenchResult, ratio_to_baseline, summarise, write_json, write_plot
from planetmail_local.bench.traffic import TrafficMix, WebhookCredentials, load_corpus
from planetmail_local.bench.workers import lambda_api, reserved_workers
from planetmail_local.cli.errors import UserError
from planetmail_local.cli.progress import progress_bars
from planetmail_local.emulator.runtime.concurrency import MAX_WORKERS
from planetmail_local.stack.config import StackConfig

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
DRAIN_SECONDS = 30.0


@click.command()
@click.option("--rate", type=click.FloatRange(min=0.1), default=50.0, show_default=True,
              help="Messages per second.")
@click.option("--duration", type=click.FloatRange(min=1), default=10.0, show_default=True, help="Seconds.")
@click.option("--concurrency", type=click.IntRange(min=1), default=64, show_default=True,
              help="HTTP requests in flight at most.")
@click.option("--grace", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Seconds to wait for acknowledgements after the last request (the SLA).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG of latency over time.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--idle", "idle_seconds", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds the idle stack's CPU is sampled first, to report CPU per message net of it.")
@click.option("--api-url", default=None,
              help="Collector API to drive (default: the stack's, from local.json), e.g. a second "
              "'planetmail start' on other ports.")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=None,
              help="Worker processes per function for the run (the emulator's reserved concurrency, put "
              "back afterwards)  [default: as the emulator runs them]")
@click.option("--lambda-url", default=None,
              help="Lambda API of the emulator behind --api-url (default: the stack's, from local.json).")
@click.option("--baseline", is_flag=True,
              help="Then send the same traffic through a bare pipeline (same stages, no guarantees: "
              "bench/bare.py) and report both and their ratio.")
@click.option("--burst", type=click.IntRange(1, 100_000), default=None,
              help="Send this many messages as fast as intake accepts them (instead of --rate/--duration) "
              "and report when the last one was acknowledged.")
def bench(rate: float, duration: float, concurrency: int, grace: float, json_path: Path | None,
          plot_path: Path | None, seed: int, idle_seconds: float, api_url: str | None,
          workers: int | None, lambda_url: str | None, baseline: bool, burst: int | None) -> None:
    """Send a mix of providers, languages and categories; report loss, duplicates and latency."""
    if burst is not None:
        rate, duration = float(burst), 1.0
    settings = Settings.load()
    local = _local_document(settings)
    corpus = load_corpus(REPO_DATA)
    if not corpus:
        raise UserError(f"no corpus under {REPO_DATA / 'corpus'}; check out the repository's data/ folder")
    lambda_url = lambda_url or (None if api_url else local.get("lambda_url"))
    if workers is not None and not lambda_url:
        raise UserError("--workers needs the emulator's Lambda API: pass --lambda-url (with --api-url), "
                        "or run 'planetmail up' again to write it into local.json")
    run = Run(TrafficMix(corpus, _credentials(local), seed=seed), api_url or local["api_url"],
              local["smtp_viewer_url"], StackConfig.from_settings(settings), Console(stderr=True), settings)
    with contextlib.ExitStack() as scope:
        api = scope.enter_context(lambda_api(lambda_url)) if lambda_url else None
        if api is not None:
            scope.enter_context(reserved_workers(api, workers))
        workers_in_run = api.workers() if api else {}  # before the run: an unreachable API fails fast
        result = dataclasses.replace(run.measure(rate, duration, concurrency, grace, idle_seconds),
                                     workers=workers_in_run)
    _print(result, run.console, "planetmail bench")
    figures = (rate, duration, concurrency, grace, idle_seconds)
    bare = _measure_baseline(run, settings, figures) if baseline else None
    if bare is not None:
        _print(bare, run.console, "bare pipeline (same traffic, no guarantees)")
        Console().print(f"ratio to baseline (acknowledged/s): {ratio_to_baseline(result, bare)}")
    if burst is not None:
        Console().print(f"burst of {burst}: last acknowledgement {result.duration_s:.1f} s after the first "
                        f"request ({result.acknowledged} acknowledged, {result.lost} without one)")
    if json_path:
        write_json(result, json_path, bare)
    if plot_path:
        write_plot(result, plot_path, sla_seconds=300)
    if result.lost or result.duplicates or result.auto_replies_answered:
        raise SystemExit(1)


@dataclasses.dataclass(frozen=True)
class Run:
    mix: TrafficMix
    api_url: str
    viewer_url: str
    stack: StackConfig
    console: Console
    settings: Settings
    extra_pids: dict[str, int] = dataclasses.field(default_factory=dict)
    """Processes outside the stack whose CPU counts too (the bare pipeline's stages)."""

    def measure(self, rate: float, duration: float, concurrency: int, grace: float,
                idle_seconds: float) -> BenchResult:
        idle_per_s, cpu_before = _idle_cpu(self, idle_seconds)
        started = time.monotonic()
        terminal = TerminalStates(self.settings, since=time.time() - 1)
        try:
            submissions = _send(self.api_url, self.mix, rate, duration, concurrency, self.console)
            expected = {s.tracking_id for s in submissions if s.tracking_id and s.expects_ack}
            deliveries = _follow(self.viewer_url, expected, grace, self.console, terminal)
            _drain(terminal, {s.tracking_id for s in submissions if s.tracking_id}, deliveries)
        finally:
            terminal.close()
        result = summarise(submissions, deliveries, terminal.outcomes)
        spent = cpu.spent(cpu_before, self.cpu_snapshot())
        elapsed = time.monotonic() - started
        return result.with_cpu(spent, idle_per_s=idle_per_s, elapsed=elapsed)


    def cpu_snapshot(self) -> cpu.CpuSnapshot:
        return cpu.snapshot(self.stack, self.api_url, self.extra_pids)


def _measure_baseline(run: Run, settings: Settings,
                      figures: tuple[float, float, int, float, float]) -> BenchResult:
    """The same traffic (the same mix and seed) through the bare pipeline, its stages' CPU counted."""
    run.console.print("starting the bare pipeline (its TF-IDF + LinearSVC trains first)")
    with _baseline_errors(), bare_pipeline(settings) as bare:
        return dataclasses.replace(run, api_url=bare.api_url, extra_pids=bare.pids).measure(*figures)


@contextlib.contextmanager
def _baseline_errors() -> Iterator[None]:
    try:
        yield
    except BaselineError as exc:
        raise UserError(f"{exc}; check that the local stack runs ('planetmail status')") from exc


def _idle_cpu(run: Run, seconds: float) -> tuple[dict[str, float], cpu.CpuSnapshot]:
    """The idle stack's CPU seconds per second by part, and the snapshot the run starts from."""
    first = run.cpu_snapshot()
    if seconds <= 0:
        return {}, first
    with run.console.status(f"sampling the idle stack's CPU for {seconds:.0f} s"):
        time.sleep(seconds)
    last = run.cpu_snapshot()
    return {part: used / seconds for part, used in cpu.spent(first, last).items()}, last


def _send(api_url: str, mix: TrafficMix, rate: float, duration: float, concurrency: int,
          console: Console) -> list[Submission]:
    total = max(1, int(rate * duration))
    with progress_bars(console) as progress:
        task = progress.add_task("sending", total=total)
        return asyncio.run(run_load(api_url, mix.requests(), rate, duration, concurrency,
                                    on_done=lambda _: progress.advance(task)))


def _follow(viewer_url: str, expected: set[str], grace: float, console: Console,
            terminal: TerminalStates) -> Deliveries:
    """Until every genuine message was acknowledged or reached another terminal state (or ``grace``)."""
    def settled() -> set[str]:
        return {i for i, outcome in terminal.read().items() if outcome.state != "acknowledged"}

    with progress_bars(console) as progress:
        task = progress.add_task("settled", total=len(expected))
        return wait_for_acknowledgements(viewer_url, expected, time.time() + grace, settled=settled,
                                         on_progress=lambda done: progress.update(task, completed=done))


def _drain(terminal: TerminalStates, accepted: set[str], deliveries: Deliveries) -> None:
    """Give the rest (spam, auto-replies) a moment to reach their terminal states too."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and accepted - terminal.read().keys() - deliveries.times.keys():
        time.sleep(0.5)


def _print(result: BenchResult, console: Console, title: str) -> None:
    table = Table(title=title, show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    figures = result.figures()
    cpu_spent = figures.pop("cpu_ms_per_message")
    for name, value in figures.items():
        shown = "  ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(name, shown)
    Console().print(table)
    where = Table(title="CPU per accepted message (ms), by part of the stack", show_header=True)
    where.add_column("part")
    where.add_column("ms", justify="right")
    for part, ms in cpu_spent.items():
        where.add_row(part, f"{ms:.2f}")
    Console().print(where)


def _local_document(settings: Settings) -> dict[str, Any]:
    path = settings.state_dir / "local.json"
    if not path.is_file():
        raise UserError(f"{path} not found; start the local stack with 'planetmail up' first")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in ("api_url", "api_token", "smtp_viewer_url", "webhooks"):
        if not document.get(key):
            raise UserError(f"{path} has no {key!r}; run 'planetmail up' again to rewrite it")
    return document


def _credentials(local: dict[str, Any]) -> WebhookCredentials:
    webhooks = local["webhooks"]
    basic = {provider: _user_password(webhooks.get(provider)) for provider in ("sendgrid", "postmark")}
    return WebhookCredentials(api_token=local["api_token"], basic=basic,
                              mailgun_signing_key=str(webhooks.get("mailgun", "")))


def _user_password(credential: Any) -> tuple[str, str]:
    if isinstance(credential, dict):
        return str(credential.get("username", "")), str(credential.get("password", ""))
    user, _, password = str(credential or "").partition(":")
    return user, password

"""``up``/``down``/``status`` over the component list; callers pass a callback for progress lines."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Callable, Iterator
from typing import Any

from planetmail_local.emulator.service import DEFAULT_API_PORT, DEFAULT_LAMBDA_PORT
from planetmail_local.observability.server import DEFAULT_PORT as DASHBOARD_PORT
from planetmail_local.stack.components import is_service, is_step, stack_components, stack_services
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.lifecycle import Origin, ServiceState, ensure_running, inspect, stop_service
from planetmail_local.stack.local_file import write_local_file

Progress = Callable[[str, str], None]
"""``progress(component_name, message)``: called once per step as it finishes."""


def _quiet(name: str, message: str) -> None:
    return None


def up(config: StackConfig, progress: Progress = _quiet, *, pipeline: bool = False) -> dict[str, Any]:
    """Start (or reuse) everything in order, wait for health, write local.json; return its content."""
    with _exclusive(config):
        for component in stack_components(config, pipeline=pipeline):
            if is_service(component):
                state = ensure_running(component)
                progress(component.name, f"{state.origin} (pid {state.pid}, port {state.port})")
            elif is_step(component):
                progress(component.name, component.run())
        return write_local_file(config, _pipeline_urls(config) if pipeline else None)


@contextlib.contextmanager
def _exclusive(config: StackConfig) -> Iterator[None]:
    """One ``up`` at a time per state folder (parallel test sessions would otherwise race to start)."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    with (config.run_dir / "up.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def down(config: StackConfig, purge: bool = False, progress: Progress = _quiet, *,
         pipeline: bool = False) -> list[ServiceState]:
    """Stop our services in reverse order; ``purge`` also deletes the data folder."""
    states = []
    for service in reversed(stack_services(config, pipeline=pipeline)):
        state = stop_service(service)
        left_alone = state.origin is Origin.EXTERNAL
        progress(service.name, f"not ours, left running (pid {state.pid})" if left_alone else state.origin)
        states.append(state)
    if purge:
        shutil.rmtree(config.data_dir, ignore_errors=True)
        progress("data", f"deleted {config.data_dir}")
    return states


@contextlib.contextmanager
def running(config: StackConfig, *, purge: bool = True) -> Iterator[StackConfig]:
    """An instance that is up for the ``with`` block and stopped (by default purged) after it, even
    when starting fails half-way: what tests and benchmarks on throwaway instances need."""
    try:
        up(config)
        yield config
    finally:
        down(config, purge=purge)


def status(config: StackConfig, *, pipeline: bool = False) -> list[ServiceState]:
    return [inspect(service) for service in stack_services(config, pipeline=pipeline)]


def _pipeline_urls(config: StackConfig) -> dict[str, str]:
    dashboard = f"http://{config.host}:{DASHBOARD_PORT}"
    return {"api_url": f"http://{config.host}:{DEFAULT_API_PORT}",
            "inbox_url": f"http://{config.host}:{DEFAULT_API_PORT}/inbox/",
            "lambda_url": f"http://{config.host}:{DEFAULT_LAMBDA_PORT}", "dashboard_url": f"{dashboard}/",
            "metrics_url": f"{dashboard}/metrics"}

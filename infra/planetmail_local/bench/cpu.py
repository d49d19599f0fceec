"""Where the CPU goes: CPU seconds each part of the stack spent during a run, per message.

Wall-clock figures on a shared 2-core machine move with whatever else runs; CPU time per message
does not, so the benchmark reports both. An idle stack is not free (Kafka's fetch long-polls and
heartbeats, the emulator's pollers), so the idle rate measured just before the run is taken off.

Parts are the stack's services (from their pid files) and the FaaS emulator serving the API, with its
function workers counted per handler. Workers that exited during the run are counted in their parent's
reaped-children time (``emulator (exited children)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlsplit

import psutil

from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.process import port_owner, process_tree

_WORKER_MODULE = "planetmail_local.emulator.runtime.worker"


@dataclasses.dataclass(frozen=True)
class CpuSnapshot:
    by_process: Mapping[tuple[int, float], tuple[str, float]]
    """(pid, create time) -> (part of the stack, CPU seconds so far)."""
    reaped: Mapping[str, float]
    """Part -> CPU seconds of its children that already exited."""


def snapshot(config: StackConfig, api_url: str | None = None,
             extra_roots: Mapping[str, int] | None = None) -> CpuSnapshot:
    """The stack's services, the process serving ``api_url`` and ``extra_roots`` (part -> pid)."""
    roots = {state.name: state.pid for state in control.status(config) if state.pid}
    roots.update(extra_roots or {})
    if api_url is not None:
        owner = port_owner(urlsplit(api_url).port or 80)
        if owner is not None and owner not in roots.values():
            roots["emulator"] = owner
    by_process: dict[tuple[int, float], tuple[str, float]] = {}
    reaped: dict[str, float] = {}
    for name, pid in roots.items():
        try:
            root = psutil.Process(pid)
            times = root.cpu_times()
        except psutil.Error:
            continue
        reaped[name] = times.children_user + times.children_system
        for process in process_tree(root):
            _add(by_process, process, name)
    return CpuSnapshot(by_process, reaped)


def spent(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds by part between two snapshots."""
    seconds_by_part: dict[str, float] = {}
    for key, (part, seconds) in after.by_process.items():
        earlier = before.by_process.get(key, (part, 0.0))[1]
        seconds_by_part[part] = seconds_by_part.get(part, 0.0) + seconds - earlier
    for part, seconds in after.reaped.items():
        exited = seconds - before.reaped.get(part, 0.0)
        if exited > 0.0005:
            seconds_by_part[f"{part} (exited children)"] = exited
    return seconds_by_part


def per_message(run: dict[str, float], messages: int, *, idle_per_s: dict[str, float] | None = None,
                elapsed: float = 0.0) -> dict[str, float]:
    """Milliseconds of CPU per message by part (the idle rate times ``elapsed`` taken off), largest
    first, plus ``total``."""
    idle = idle_per_s or {}
    count = max(messages, 1)
    figures = {part: round(max(seconds - idle.get(part, 0.0) * elapsed, 0.0) * 1000 / count, 2)
               for part, seconds in run.items()}
    ordered = dict(sorted(figures.items(), key=lambda item: -item[1]))
    return {**ordered, "total": round(sum(figures.values()), 2)}


def _add(by_process: dict[tuple[int, float], tuple[str, float]], process: psutil.Process, part: str) -> None:
    try:
        with process.oneshot():
            times = process.cpu_times()
            key = (process.pid, process.create_time())
            by_process[key] = (_part(process, part), times.user + times.system)
    except psutil.Error:
        return


def _part(process: psutil.Process, parent_part: str) -> str:
    """Function workers by handler (``collector.app``), everything else by its stack service."""
    argv: list[str] = process.cmdline()
    if _WORKER_MODULE in argv:
        handler = str(argv[argv.index(_WORKER_MODULE) + 1])
        return handler.rsplit(".", 1)[0]
    return parent_part

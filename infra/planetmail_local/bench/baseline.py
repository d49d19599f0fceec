"""Start and stop the bare pipeline (``bench/bare.py``) beside the local stack, for one benchmark run."""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from planetmail.settings import Settings
from planetmail.topics import TopicSpec
from planetmail_local.stack.config import free_port
from planetmail_local.stack.topics import delete_topics, ensure_topics

STAGES = ("intake", "classify", "send")
START_TIMEOUT_S = 120.0


class BaselineError(RuntimeError):
    """The bare pipeline did not start; the message names the stage and its last output."""


@dataclasses.dataclass(frozen=True)
class BarePipeline:
    api_url: str
    pids: dict[str, int]
    """``bare <stage>`` -> pid, for the CPU accounting."""


@contextlib.contextmanager
def bare_pipeline(settings: Settings) -> Iterator[BarePipeline]:
    """Topics of their own, the three stages ready (the classifier trained), torn down afterwards."""
    prefixed = dataclasses.replace(settings, topic_prefix=f"bare{uuid.uuid4().hex[:8]}.")
    ensure_topics(prefixed, [TopicSpec("received", 6), TopicSpec("labelled", 6)])
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="planetmail-bare-"))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for stage in STAGES:
            with (logs / f"{stage}.log").open("wb") as log:
                processes[stage] = subprocess.Popen(
                    [sys.executable, "-m", "planetmail_local.bench.bare", stage, "--prefix",
                     prefixed.topic_prefix, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
        api_url = f"http://127.0.0.1:{port}"
        _wait_until_ready(processes, logs, api_url)
        yield BarePipeline(api_url, {f"bare {stage}": process.pid for stage, process in processes.items()})
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        delete_topics(prefixed)


def _wait_until_ready(processes: dict[str, subprocess.Popen[bytes]], logs: Path, api_url: str) -> None:
    """The consumers print ``ready`` once subscribed (the classifier trained); the intake answers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    waiting = set(STAGES)
    while waiting and time.monotonic() < deadline:
        for stage in sorted(waiting):
            output = (logs / f"{stage}.log").read_text(encoding="utf-8", errors="replace")
            if processes[stage].poll() is not None:
                raise BaselineError(f"bare {stage} exited: {output.strip()[-300:]} (log: {logs})")
            if _ready(stage, output, api_url):
                waiting.discard(stage)
        time.sleep(0.2)
    if waiting:
        stages = ", ".join(sorted(waiting))
        raise BaselineError(f"bare {stages} not ready in {START_TIMEOUT_S:.0f} s (log: {logs})")


def _ready(stage: str, output: str, api_url: str) -> bool:
    if stage != "intake":
        return "ready" in output.split()
    try:
        return httpx.get(f"{api_url}/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False

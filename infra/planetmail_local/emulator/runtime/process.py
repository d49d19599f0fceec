"""One worker process and the JSON-lines pipe protocol to it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from planetmail_local.emulator.model import FunctionSpec

WORKER_MODULE = "planetmail_local.emulator.runtime.worker"
INIT_LIMIT_SECONDS = 10.0


class WorkerGone(Exception):
    """The worker exited (crash, os._exit, kill -9) before answering."""


class WorkerTimeout(Exception):
    pass


class WorkerProcess:
    def __init__(self, spec: FunctionSpec, log_file: Path, extra_env: dict[str, str]) -> None:
        self.spec = spec
        self._buffer = b""
        self._spawned = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, spec.handler, str(log_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=spec.code_dir,
            env=_environment(spec, extra_env),
        )
        self.init_ms: float | None = None
        """Set until the first invocation has reported it (the cold start)."""
        self.import_error: dict[str, Any] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> None:
        ready = self._receive(time.monotonic() + max(INIT_LIMIT_SECONDS, self.spec.timeout_seconds))
        self.init_ms = (time.monotonic() - self._spawned) * 1000
        if not ready.get("ready"):
            self.import_error = ready["error"]

    def call(self, event: Any, context: dict[str, Any], deadline: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps({"event": event, "context": context}).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerGone from None
        return self._receive(deadline)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()

    def _receive(self, deadline: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise WorkerTimeout
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerGone
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message


def _environment(spec: FunctionSpec, extra_env: dict[str, str]) -> dict[str, str]:
    roots = [str(path) for path in (spec.code_dir, *spec.extra_code_dirs)]
    for layer in spec.layer_dirs:
        roots += [str(layer / "python"), str(layer)]
    inherited = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*roots, *([inherited] if inherited else [])]),
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout_seconds)),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "PYTHONUNBUFFERED": "1",
        **spec.environment,
        **extra_env,
    }

"""The outcome of one invocation, and the Lambda-style log lines that describe it."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

TIMEOUT_ERROR = "Sandbox.Timedout"
EXIT_ERROR = "Runtime.ExitError"


@dataclasses.dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: str
    """The function's JSON response, or Lambda's JSON error document when ``error_type`` is set."""
    error_type: str | None = None
    duration_ms: float = 0.0
    init_ms: float | None = None
    max_memory_mb: int = 0

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    @property
    def timed_out(self) -> bool:
        return self.error_type == TIMEOUT_ERROR

    @property
    def billed_ms(self) -> int:
        return max(1, math.ceil(self.duration_ms))

    def result(self) -> Any:
        return json.loads(self.payload)


def error_payload(error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": message})


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: $LATEST"


def end_lines(invocation: Invocation, memory_size_mb: int) -> list[str]:
    report = (
        f"REPORT RequestId: {invocation.request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
        f"Billed Duration: {invocation.billed_ms} ms\tMemory Size: {memory_size_mb} MB\t"
        f"Max Memory Used: {invocation.max_memory_mb} MB"
    )
    if invocation.init_ms is not None:
        report += f"\tInit Duration: {invocation.init_ms:.2f} ms"
    if invocation.timed_out:
        report += "\tStatus: timeout"
    elif invocation.error_type == EXIT_ERROR:
        report += "\tStatus: error\tError Type: Runtime.ExitError"
    return [f"END RequestId: {invocation.request_id}", report]

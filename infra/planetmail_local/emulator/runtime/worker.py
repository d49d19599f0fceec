"""The worker process: ``python -m planetmail_local.emulator.runtime.worker HANDLER LOG_FILE``.

One JSON line per message on a private pipe (the original stdout); the handler's own stdout and stderr
go to the function's log file. The handler is imported once at start-up (the cold start).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from planetmail_local.emulator.runtime.context import LambdaContext

Handler = Callable[[Any, LambdaContext], Any]


def main(handler_path: str, log_file: str) -> None:
    channel = _private_channel(log_file)
    started = time.perf_counter()
    try:
        handler = _import_handler(handler_path)
    except Exception as exc:  # report and stay up, so every invocation gets the same error
        _send(channel, {"ready": False, **_error("Runtime.ImportModuleError", exc)})
        handler = None
    else:
        _send(channel, {"ready": True, "init_ms": (time.perf_counter() - started) * 1000})
    for line in sys.stdin:
        request = json.loads(line)
        _send(
            channel,
            _invoke(handler, request)
            if handler
            else _error("Runtime.ImportModuleError", ImportError(f"cannot import {handler_path}")),
        )


def _private_channel(log_file: str) -> TextIO:
    """Keep the pipe to the emulator for ourselves; the handler's prints land in the log file."""
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    log_fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", closefd=False)
    return channel


def _import_handler(handler_path: str) -> Handler:
    module_name, _, function_name = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    if not callable(handler):
        raise TypeError(f"{handler_path} is not callable")
    return handler  # type: ignore[no-any-return]


def _invoke(handler: Handler, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(**request["context"])
    try:
        result = handler(request["event"], context)
        payload = json.dumps(result)
    except Exception as exc:
        return _error(type(exc).__name__, exc)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return {"ok": True, "payload": payload, "max_memory_mb": _max_memory_mb()}


def _error(error_type: str, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, TypeError) and "JSON serializable" in str(exc):
        error_type = "Runtime.MarshalError"
    print("".join(traceback.format_exception(exc)), file=sys.stderr, end="")
    handler_frames = exc.__traceback__.tb_next if exc.__traceback__ else None  # without our own frame
    return {
        "ok": False,
        "error": {
            "errorMessage": str(exc),
            "errorType": error_type,
            "requestId": "",
            "stackTrace": traceback.format_tb(handler_frames),
        },
        "max_memory_mb": _max_memory_mb(),
    }


def _max_memory_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

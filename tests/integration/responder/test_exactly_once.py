"""A worker SIGKILLed between sending and committing must not turn into a second acknowledgement."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from responder_harness import SinkHandler, ack_request, settings_environment

from planetmail.ack import AckRequest
from planetmail.settings import Settings
from planetmail.status import StatusStore
from responder.acknowledgement import UNKNOWN_OUTCOME, Responder
from responder.handler import handle

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WORKER = Path(__file__).with_name("crashing_worker.py")
LEASE_SECONDS = 6.0


def run_and_kill(event: dict[str, Any], kill_point: str, settings: Settings, smtp_port: int,
                 tmp_path: Path) -> None:
    """Run the handler in a worker process and SIGKILL it when it reports reaching ``kill_point``."""
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event), encoding="utf-8")
    worker = subprocess.Popen([sys.executable, str(WORKER), str(event_file), kill_point, str(LEASE_SECONDS)],
                              stdout=subprocess.PIPE,
                              env={**os.environ, **settings_environment(settings, smtp_port)})
    try:
        wait_until_frozen(worker, kill_point)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        worker.kill()
        worker.wait(timeout=10)
        if worker.stdout:
            worker.stdout.close()


def wait_until_frozen(worker: subprocess.Popen[bytes], kill_point: str) -> None:
    """Skip whatever the worker logs on stdout until it says FROZEN."""
    assert worker.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([worker.stdout], [], [], deadline - time.monotonic())
        line = worker.stdout.readline() if ready else b""
        if line.strip() == b"FROZEN":
            return
        assert line or not ready, f"worker exited before reaching {kill_point}"
    raise AssertionError(f"worker never reached {kill_point}")


def states(settings: Settings, request: AckRequest) -> list[str]:
    return [step["state"] for step in StatusStore(settings).timeline(request.id)]


def test_killed_after_the_server_accepted_the_reply(
    smtp_server: Callable[..., tuple[SinkHandler, int]], make_responder: Callable[..., Responder],
    ack_batch: Callable[[list[AckRequest]], dict[str, Any]], responder_settings: Settings, tmp_path: Path,
) -> None:
    sink, port = smtp_server()
    request = ack_request()
    event = ack_batch([request])
    run_and_kill(event, "after-send", responder_settings, port, tmp_path)
    assert len(sink.messages) == 1
    responder = make_responder(port)

    redelivered = handle(event, responder)  # the dead worker's lease is still running
    assert len(redelivered["batchItemFailures"]) == 1
    time.sleep(LEASE_SECONDS)
    assert handle(event, responder) == {"batchItemFailures": []}
    assert handle(event, responder) == {"batchItemFailures": []}

    assert len(sink.messages) == 1, "the outcome was unknown, so the reply was not sent again"
    (step,) = StatusStore(responder_settings).timeline(request.id)
    assert (step["state"], step["error"]) == ("failed", UNKNOWN_OUTCOME)


def test_killed_after_recording_the_send_but_before_committing(
    smtp_server: Callable[..., tuple[SinkHandler, int]], make_responder: Callable[..., Responder],
    ack_batch: Callable[[list[AckRequest]], dict[str, Any]], responder_settings: Settings, tmp_path: Path,
) -> None:
    sink, port = smtp_server()
    requests = [ack_request(), ack_request()]
    event = ack_batch(requests)
    run_and_kill(event, "after-settle", responder_settings, port, tmp_path)
    assert len(sink.messages) == 1, "killed while settling the first message"

    responder = make_responder(port)
    for _ in range(2):
        assert handle(event, responder) == {"batchItemFailures": []}

    assert sorted(sink.message_ids()) == sorted(f"<ack.{r.id}@dailyplanet.example>" for r in requests)
    assert [states(responder_settings, r) for r in requests] == [["acknowledged"], ["acknowledged"]]

"""`planetmail sla-watch`: options become the watched config; unreachable services are one-line errors."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from click.testing import CliRunner
from kazoo.handlers.threading import KazooTimeoutError

from planetmail.settings import Settings
from planetmail_local.cli import sla_watch as command
from planetmail_local.cli.main import cli


@pytest.fixture(autouse=True)
def keep_signal_handlers(monkeypatch):
    monkeypatch.setattr(signal, "signal", lambda *_: None)


def test_options_override_the_configuration(monkeypatch):
    seen: dict[str, Any] = {}

    def run(settings, config, *, interval, session_timeout):
        seen.update(config=config(), interval=interval, session_timeout=session_timeout)

    monkeypatch.setattr(command, "run", run)
    arguments = ["sla-watch", "--sla-seconds", "42", "--operations-email", "ops@x.example",
                 "--interval", "0.5"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    assert (seen["config"].sla_seconds, seen["config"].operations_email) == (42, "ops@x.example")
    assert (seen["interval"], seen["session_timeout"]) == (0.5, 10.0)


def test_zookeeper_out_of_reach_is_a_one_line_error(monkeypatch):
    def run(*_, **__):
        raise KazooTimeoutError("Connection time-out")

    monkeypatch.setattr(command, "run", run)
    result = CliRunner().invoke(cli, ["sla-watch"])
    assert result.exit_code == 2
    zookeeper = Settings.load().zookeeper
    assert result.output.strip().splitlines()[-1] == (
        f"planetmail: error: ZooKeeper at {zookeeper} is not reachable; start the stack with 'planetmail up'")

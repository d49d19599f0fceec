"""A service that exits while starting: ``planetmail up`` names a known cause and its fix in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planetmail_local.stack.config import free_port
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.lifecycle import ensure_running
from planetmail_local.stack.start_failures import GENERIC_FIX, diagnose

# What Kafka 3.9 logs when its data folder was formatted against another ZooKeeper.
INVALID_CLUSTER_ID_LOG = """\
[2026-11-27 02:10:01,123] INFO Cluster ID = 4bXr2nQ9T0m6kPz1aYc3wA (kafka.server.KafkaServer)
[2026-11-27 02:10:01,140] ERROR Fatal error during KafkaServer startup. Prepare to shutdown \
(kafka.server.KafkaServer)
java.lang.RuntimeException: Invalid cluster.id in: /work/.planetmail/data/kafka/meta.properties. \
Expected 4bXr2nQ9T0m6kPz1aYc3wA, but read Qz9vL0s7RkS2bWn8cFd4eB
\tat org.apache.kafka.metadata.properties.MetaPropertiesEnsemble.verify(MetaPropertiesEnsemble.java:503)
\tat kafka.server.KafkaServer.startup(KafkaServer.scala:282)
[2026-11-27 02:10:01,201] INFO shutting down (kafka.server.KafkaServer)
[2026-11-27 02:10:01,377] ERROR Exiting Kafka. (kafka.Kafka$)
"""


class ExitingService:
    """A service whose process writes ``log`` and exits 1 at once."""

    name = "kafka"
    host = "127.0.0.1"
    start_timeout = 10.0
    port_setting = "PLANETMAIL_KAFKA_BOOTSTRAP"

    def __init__(self, folder: Path, log: str) -> None:
        self.port = free_port()
        self.pid_file = folder / "kafka.pid"
        self.log_file = folder / "kafka.log"
        self._log = log

    def start(self) -> int:
        self.log_file.write_text(self._log, encoding="utf-8")
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"]).pid

    def healthy(self) -> bool:
        return False


def test_invalid_cluster_id_is_named_with_the_purge_fix() -> None:
    cause, fix = diagnose(INVALID_CLUSTER_ID_LOG.splitlines())

    assert "Invalid cluster.id" in cause
    assert "another ZooKeeper" in cause
    assert "planetmail down --purge" in fix


def test_an_unknown_failure_reports_the_last_error_line() -> None:
    log = ["INFO starting", "ERROR Address already in use", "INFO shutting down"]

    assert diagnose(log) == ("ERROR Address already in use", GENERIC_FIX)
    assert diagnose([]) == ("no log output", GENERIC_FIX)


@pytest.mark.parametrize(("log", "expected"), [
    (INVALID_CLUSTER_ID_LOG, "planetmail down --purge"),
    ("ERROR Exiting Kafka. (kafka.Kafka$)\n", "ERROR Exiting Kafka. (kafka.Kafka$); fix the cause"),
])
def test_up_reports_the_exit_in_one_line(log: str, expected: str, tmp_path: Path) -> None:
    with pytest.raises(StackError) as raised:
        ensure_running(ExitingService(tmp_path, log))

    message = str(raised.value)
    assert message.startswith("kafka exited while starting (exit code 1): ")
    assert expected in message
    assert message.endswith(f"log: {tmp_path / 'kafka.log'}")
    assert "\n" not in message

"""A service that exits while starting: ``planetmail up`` names a known cause and its fix in one line."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from planetmail_local.stack import start_failures
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
    failure = diagnose(INVALID_CLUSTER_ID_LOG.splitlines())
    cause, fix = failure.cause, failure.fix

    assert "Invalid cluster.id" in cause
    assert "another ZooKeeper" in cause
    assert "planetmail down --purge" in fix


def test_an_unknown_failure_reports_the_last_error_line() -> None:
    log = ["INFO starting", "ERROR Address already in use", "INFO shutting down"]

    assert (diagnose(log).cause, diagnose(log).fix) == ("ERROR Address already in use", GENERIC_FIX)
    assert (diagnose([]).cause, diagnose([]).fix) == ("no log output", GENERIC_FIX)
    assert not diagnose(log).retry_after_s


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


# What Kafka 3.9 logs when ZooKeeper still holds a killed broker's registration.
STALE_BROKER_LOG = """\
[2026-12-05 17:13:37,179] INFO Creating /brokers/ids/0 (is it secure? false) (kafka.zk.KafkaZkClient)
[2026-12-05 17:13:37,197] ERROR Error while creating ephemeral at /brokers/ids/0, node already exists \
and owner '0x10000ee786e0001' does not match current session '0x100012194270001' \
(kafka.zk.KafkaZkClient$CheckedEphemeral)
[2026-12-05 17:13:37,201] ERROR [KafkaServer id=0] Fatal error during KafkaServer startup. \
Prepare to shutdown (kafka.server.KafkaServer)
org.apache.zookeeper.KeeperException$NodeExistsException: KeeperErrorCode = NodeExists
"""


class FlakyService(ExitingService):
    """Exits with ``log`` on its first ``failures`` starts (appending, as the stack's services do),
    then stays up and is healthy."""

    def __init__(self, folder: Path, log: str, failures: int) -> None:
        super().__init__(folder, log)
        self.starts = 0
        self._failures = failures

    def start(self) -> int:
        self.starts += 1
        with self.log_file.open("a", encoding="utf-8") as log:
            log.write(self._log if self.starts <= self._failures else "INFO started\n")
        code = "raise SystemExit(1)" if self.starts <= self._failures else "import time; time.sleep(30)"
        self._process = subprocess.Popen([sys.executable, "-c", code])
        return self._process.pid

    def healthy(self) -> bool:
        return self.starts > self._failures

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()


@pytest.fixture
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    quick = tuple(dataclasses.replace(f, retry_after_s=0.1) if f.retry_after_s else f
                  for f in start_failures.KNOWN_START_FAILURES)
    monkeypatch.setattr(start_failures, "KNOWN_START_FAILURES", quick)


def test_a_killed_brokers_registration_is_waited_out_and_kafka_started_again(
        tmp_path: Path, quick_retry: None) -> None:
    service = FlakyService(tmp_path, STALE_BROKER_LOG, failures=1)
    try:
        state = ensure_running(service)
    finally:
        service.stop()
    assert (state.healthy, service.starts) == (True, 2)


def test_a_registration_that_does_not_expire_is_reported_with_its_cause(
        tmp_path: Path, quick_retry: None) -> None:
    service = FlakyService(tmp_path, STALE_BROKER_LOG, failures=2)
    with pytest.raises(StackError, match=r"ZooKeeper still holds the registration .* wait a few seconds"):
        ensure_running(service)
    assert service.starts == 2


def test_an_earlier_runs_failure_in_the_log_is_not_this_starts_cause(tmp_path: Path) -> None:
    service = FlakyService(tmp_path, "ERROR Address already in use\n", failures=1)
    service.log_file.write_text(INVALID_CLUSTER_ID_LOG, encoding="utf-8")
    with pytest.raises(StackError) as raised:
        ensure_running(service)
    assert "Address already in use" in str(raised.value)
    assert "purge" not in str(raised.value)

"""Start-up faults: one line naming the cause and the fix, the log path, a non-zero exit."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from stack_instance import throwaway_config

from planetmail_local.stack import maven
from planetmail_local.stack.config import free_port
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.jvm import ZooKeeper
from planetmail_local.stack.lifecycle import ensure_running
from planetmail_local.stack.service import CommandService

pytestmark = pytest.mark.integration


def test_port_taken_by_a_foreign_process_is_refused(tmp_path: Path) -> None:
    config = throwaway_config(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", config.zookeeper_port))
        squatter.listen()
        expected = rf"port {config.zookeeper_port} for zookeeper is taken by pid .*set PLANETMAIL_ZOOKEEPER"
        with pytest.raises(StackError, match=expected):
            ensure_running(ZooKeeper(config))
    assert not config.pid_file("zookeeper").exists()


def test_service_dying_at_start_names_its_last_error_and_log(tmp_path: Path) -> None:
    config = throwaway_config(tmp_path)
    crasher = CommandService(
        config, "crasher", free_port(),
        [sys.executable, "-c", "import sys; print('ERROR bad config line 3'); sys.exit(7)"],
        health=lambda: False,
    )
    with pytest.raises(StackError) as caught:
        ensure_running(crasher)
    message = str(caught.value)
    assert "crasher exited while starting (exit code 7): ERROR bad config line 3" in message
    assert str(config.log_file("crasher")) in message


def test_java_missing_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StackError, match="java not found on PATH; install Java 17"):
        ensure_running(ZooKeeper(throwaway_config(tmp_path)))


def test_maven_missing_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = throwaway_config(tmp_path)
    monkeypatch.setattr(type(config), "kafka_lib", property(lambda self: tmp_path / "empty-cache" / "lib"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StackError, match="mvn not found on PATH; install Apache Maven"):
        maven.resolve_kafka(config)


@pytest.mark.slow
def test_failed_resolution_names_the_maven_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = throwaway_config(tmp_path)
    monkeypatch.setattr(type(config), "kafka_lib", property(lambda self: tmp_path / "cache" / "lib"))
    broken_pom = tmp_path / "pom.xml"
    broken_pom.write_text(maven.POM.read_text().replace("<packaging>pom</packaging>", "<packaging>pom"))
    monkeypatch.setattr(maven, "POM", broken_pom)
    with pytest.raises(StackError, match=r"Maven could not resolve Kafka 3\.9\.1 .*log: .*kafka-jars\.log"):
        maven.resolve_kafka(config)
    assert not (tmp_path / "cache" / "lib").exists()

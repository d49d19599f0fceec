"""ZooKeeper fixtures: a unique root on the shared ZooKeeper, a throwaway ZooKeeper to kill, and
leader candidates as real processes."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coordination_zookeeper import ThrowawayZooKeeper
from kazoo.client import KazooClient

from planetmail.coordination.client import zookeeper
from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig

CANDIDATE = Path(__file__).with_name("coordination_candidate.py")


@pytest.fixture
def zk_settings(stack_settings: Settings) -> Iterator[Settings]:
    """Stack settings with a unique ZooKeeper root, deleted afterwards."""
    settings = dataclasses.replace(stack_settings, zk_root=f"/planetmail-test-{uuid.uuid4().hex[:12]}")
    yield settings
    with zookeeper(settings) as client:
        client.delete(settings.zk_root, recursive=True)


@pytest.fixture
def zk_client(zk_settings: Settings) -> Iterator[KazooClient]:
    with zookeeper(zk_settings) as client:
        yield client


@pytest.fixture
def throwaway_zookeeper(tmp_path: Path, stack_settings: Settings) -> Iterator[ThrowawayZooKeeper]:
    jars = StackConfig.from_settings(stack_settings).kafka_lib
    zookeeper = ThrowawayZooKeeper(tmp_path / "zookeeper", jars)
    zookeeper.start()
    yield zookeeper
    zookeeper.stop()


@dataclasses.dataclass
class Candidates:
    """Leader candidate processes on one ZooKeeper; each appends its ticks to its own file."""

    hosts: str
    root: str
    directory: Path
    session_timeout: float
    processes: dict[str, subprocess.Popen[bytes]] = dataclasses.field(default_factory=dict)

    def start(self, name: str, job: str = "singleton") -> None:
        command = [sys.executable, str(CANDIDATE), self.hosts, self.root, job, name,
                   str(self.ticks_file(name)), str(self.session_timeout)]
        with (self.directory / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def ticks_file(self, name: str) -> Path:
        return self.directory / f"{name}.ticks"

    def ticks(self) -> list[tuple[float, str]]:
        """Every tick of every candidate, in time order."""
        found = []
        for path in self.directory.glob("*.ticks"):
            for line in path.read_text(encoding="utf-8").splitlines():
                at, name = line.split()
                found.append((float(at), name))
        return sorted(found)

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.kill()
        for process in self.processes.values():
            process.wait(timeout=10)
        self.processes.clear()


@pytest.fixture
def candidates_on(tmp_path: Path) -> Iterator[Callable[[str, str, float], Candidates]]:
    """``candidates_on(hosts, root, session_timeout)``; every process is killed at teardown."""
    started: list[Candidates] = []

    def make(hosts: str, root: str, session_timeout: float) -> Candidates:
        directory = tmp_path / f"candidates-{len(started)}"
        directory.mkdir()
        started.append(Candidates(hosts, root, directory, session_timeout))
        return started[-1]

    yield make
    for candidates in started:
        candidates.stop_all()

"""Faults on a throwaway ZooKeeper: a leader process killed with SIGKILL, ZooKeeper down.

Sessions last SESSION_TIMEOUT seconds here (production default: 10). The outage lasts
PLANETMAIL_TEST_ZK_OUTAGE_SECONDS (default 3 × the session timeout, set 30 for the issue's full
scenario): what matters is that it outlasts the sessions; a longer one only waits longer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from conftest import Candidates
from coordination_waiting import wait_for
from coordination_zookeeper import ThrowawayZooKeeper
from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss, SessionExpiredError

from planetmail.config.zookeeper import ZooKeeperConfigSource, config_path, write_document
from planetmail.coordination.client import zookeeper
from planetmail.coordination.registry import registered, watch_registry
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.faults]

SESSION_TIMEOUT = 2.0
OUTAGE_SECONDS = float(os.environ.get("PLANETMAIL_TEST_ZK_OUTAGE_SECONDS", str(3 * SESSION_TIMEOUT)))
ROOT = "/planetmail"
Run = tuple[str, float, float]


@pytest.fixture
def settings(throwaway_zookeeper: ThrowawayZooKeeper) -> Settings:
    return Settings.load({}, zookeeper=throwaway_zookeeper.hosts, zk_root=ROOT,
                         zk_session_timeout=int(SESSION_TIMEOUT))


@pytest.fixture
def observer(settings: Settings) -> Iterator[KazooClient]:
    with zookeeper(settings) as client:
        yield client


@pytest.fixture
def candidates(settings: Settings, candidates_on: Callable[[str, str, float], Candidates]) -> Candidates:
    return candidates_on(settings.zookeeper, ROOT, SESSION_TIMEOUT)


def candidates_registered(observer: KazooClient) -> int:
    """How many candidates the observer sees; 0 while its own session is still being re-established
    (it expired during the outage too, and kazoo raises until the new session is up)."""
    try:
        return len(registered(observer, ROOT, "candidate"))
    except (ConnectionLoss, SessionExpiredError):
        return 0


def runs(ticks: list[tuple[float, str]]) -> list[Run]:
    """Consecutive ticks of one leader as (name, first, last); two leaders at once would alternate."""
    found: list[Run] = []
    for at, name in ticks:
        if found and found[-1][0] == name:
            found[-1] = (name, found[-1][1], at)
        else:
            found.append((name, at, at))
    return found


def test_a_killed_leader_is_replaced_within_the_session_timeout(candidates: Candidates,
                                                                observer: KazooClient) -> None:
    left: list[tuple[str, float]] = []
    for name in ("a", "b", "c"):
        candidates.start(name)
    assert wait_for(lambda: len(registered(observer, ROOT, "candidate")) == 3, timeout=20)
    watch_registry(observer, ROOT, "candidate",
                   lambda _, gone: left.extend((name, time.time()) for name in gone))
    assert wait_for(lambda: len(candidates.ticks()) >= 10, timeout=20)
    leader = candidates.ticks()[-1][1]
    killed_at = time.time()
    candidates.kill(leader)
    assert wait_for(lambda: runs(candidates.ticks())[-1][0] != leader, timeout=4 * SESSION_TIMEOUT)
    assert wait_for(lambda: len(candidates.ticks()) > 0 and candidates.ticks()[-1][0] > time.time() - 0.5)
    history = runs(candidates.ticks())
    takeover = history[1][1] - killed_at
    print(f"\nleader {leader} killed; {history[1][0]} took over after {takeover:.2f} s "
          f"(session timeout {SESSION_TIMEOUT} s)")
    assert history[0][0] == leader
    assert len(history) == 2
    assert takeover < 2 * SESSION_TIMEOUT
    assert [name for name, _ in left] == [leader]
    assert sorted(e.instance for e in registered(observer, ROOT, "candidate")) == sorted(
        {"a", "b", "c"} - {leader})


def test_zookeeper_outage(settings: Settings, throwaway_zookeeper: ThrowawayZooKeeper,
                          candidates: Candidates, observer: KazooClient) -> None:
    """ZooKeeper down longer than the sessions, then back with its data: configuration keeps
    serving, the clients reconnect, the singleton resumes on exactly one instance. (Expired sessions:
    the session-expiry tests in test_leader_election.py and test_registry.py.)"""
    path = config_path(settings)
    write_document(observer, path, PipelineConfig(sla_seconds=60), None)
    source = ZooKeeperConfigSource.connect(settings)
    for name in ("a", "b"):
        candidates.start(name)
    try:
        assert source.current().sla_seconds == 60
        assert wait_for(lambda: len(candidates.ticks()) >= 10, timeout=20)

        down_at = time.time()
        throwaway_zookeeper.stop()
        deadline = time.monotonic() + OUTAGE_SECONDS
        while time.monotonic() < deadline:
            assert source.current().sla_seconds == 60
            time.sleep(0.5)
        throwaway_zookeeper.start()
        up_at = time.time()

        assert wait_for(lambda: candidates_registered(observer) == 2, timeout=15)
        assert wait_for(lambda: candidates.ticks()[-1][0] > up_at, timeout=15)
        write_document(observer, path, PipelineConfig(sla_seconds=90), 0)
        assert wait_for(lambda: source.current().sla_seconds == 90)
        time.sleep(1.0)
    finally:
        source.close()

    ticks = candidates.ticks()
    during = [at for at, _ in ticks if down_at + 0.5 < at < up_at]
    resumed = min(at for at, _ in ticks if at > up_at) - up_at
    history = runs(ticks)
    print(f"\noutage {OUTAGE_SECONDS:.0f} s: "
          f"leaders {[run[0] for run in history]}, resumed {resumed:.2f} s after ZooKeeper returned")
    assert during == []
    assert len(history) <= 2
    assert history[-1][2] > up_at

"""Leader election on the shared ZooKeeper, candidates in this process on clients of their own
(killed processes and ZooKeeper outages: test_coordination_faults.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from coordination_waiting import wait_for
from coordination_zookeeper import expire_session
from kazoo.client import KazooClient

from planetmail.coordination.client import new_client
from planetmail.coordination.leader import LeaderElection, run_as_leader, try_lead
from planetmail.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(zk_settings: Settings) -> Iterator[list[KazooClient]]:
    started = []
    for _ in range(3):
        client = new_client(zk_settings)
        client.start(timeout=10)
        started.append(client)
    yield started
    for client in started:
        client.stop()
        client.close()


def _leaders(elections: list[LeaderElection]) -> list[str]:
    return [e.identifier for e in elections if e.is_leader]


def test_exactly_one_leads_and_a_stopped_leader_hands_over(zk_settings: Settings,
                                                           clients: list[KazooClient]) -> None:
    elections = [LeaderElection(client, "sla-watch", f"candidate-{n}", root=zk_settings.zk_root)
                 for n, client in enumerate(clients)]
    for election in elections:
        election.start()
    try:
        assert wait_for(lambda: len(_leaders(elections)) == 1)
        [leader] = [e for e in elections if e.is_leader]
        assert elections[0].contenders()[0] == leader.identifier
        assert sorted(elections[0].contenders()) == ["candidate-0", "candidate-1", "candidate-2"]
        leader.stop()
        assert wait_for(lambda: len(_leaders(elections)) == 1 and not leader.is_leader)
        assert leader.identifier not in elections[0].contenders() + elections[1].contenders()
    finally:
        for election in elections:
            election.stop()


def test_try_lead_is_excluded_while_an_election_holds_the_job(zk_settings: Settings,
                                                              clients: list[KazooClient]) -> None:
    root = zk_settings.zk_root
    with try_lead(clients[0], "imap-poller", "poller-0", root=root) as leading:
        assert leading
        with try_lead(clients[1], "imap-poller", "poller-1", root=root) as also:
            assert not also
    with LeaderElection(clients[2], "imap-poller", "standing", root=root) as election:
        assert election.wait_until_leader(5)
        with try_lead(clients[0], "imap-poller", "poller-0", root=root) as leading:
            assert not leading
    with try_lead(clients[1], "imap-poller", "poller-1", root=root) as leading:
        assert leading


def test_run_as_leader_runs_the_job_until_the_election_stops(zk_settings: Settings,
                                                             clients: list[KazooClient]) -> None:
    runs: list[str] = []
    running = threading.Event()

    def job(standing_down: threading.Event) -> None:
        runs.append("start")
        running.set()
        standing_down.wait()
        runs.append("stop")

    election = LeaderElection(clients[0], "job", "only", root=zk_settings.zk_root)
    election.start()
    runner = threading.Thread(target=run_as_leader, args=(election, job))
    runner.start()
    assert running.wait(5)
    election.stop()
    runner.join(5)
    assert runs == ["start", "stop"]
    with try_lead(clients[1], "job", "next", root=zk_settings.zk_root) as leading:
        assert leading


def test_a_leader_whose_session_expires_steps_down_and_stands_again(zk_settings: Settings,
                                                                    clients: list[KazooClient]) -> None:
    root = zk_settings.zk_root
    first = LeaderElection(clients[0], "job", "first", root=root)
    first.start()
    assert first.wait_until_leader(5)
    second = LeaderElection(clients[1], "job", "second", root=root)
    second.start()
    try:
        expire_session(clients[0])
        assert wait_for(lambda: second.is_leader and not first.is_leader)
        assert wait_for(lambda: second.contenders() == ["second", "first"])
        assert not first.is_leader
        second.stop()
        assert first.wait_until_leader(5)
    finally:
        first.stop()
        second.stop()

"""LeaderElection's reaction to connection states, with a fake client and lock (real ZooKeeper in
tests/integration/coordination)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kazoo.client import KazooState
from kazoo.exceptions import CancelledError

from planetmail.coordination.leader import LeaderElection, run_as_leader

WAIT = 2.0


class FakeLock:
    def __init__(self) -> None:
        self.granted = threading.Event()
        self.cancelled = threading.Event()
        self.released = False

    def acquire(self) -> bool:
        while not self.granted.wait(0.01):
            if self.cancelled.is_set():
                raise CancelledError()
        return True

    def cancel(self) -> None:
        self.cancelled.set()

    def release(self) -> bool:
        self.released = True
        return True


class FakeClient:
    def __init__(self) -> None:
        self.connected = True
        self.listeners: list[Callable[[Any], None]] = []
        self.locks: list[FakeLock] = []
        self.lock_created = threading.Condition()

    def add_listener(self, listener: Callable[[Any], None]) -> None:
        self.listeners.append(listener)

    def remove_listener(self, listener: Callable[[Any], None]) -> None:
        self.listeners.remove(listener)

    def Lock(self, path: str, identifier: str) -> FakeLock:
        with self.lock_created:
            self.locks.append(FakeLock())
            self.lock_created.notify_all()
            return self.locks[-1]

    def state(self, state: Any) -> None:
        for listener in list(self.listeners):
            listener(state)

    def campaign_lock(self, number: int) -> FakeLock:
        """The lock of the election's ``number``-th campaign (0 is the one built in __init__)."""
        with self.lock_created:
            assert self.lock_created.wait_for(lambda: len(self.locks) > number, WAIT)
            return self.locks[number]


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def election(client: FakeClient) -> Iterator[LeaderElection]:
    with LeaderElection(client, "job", "me") as running:
        yield running


def test_leads_once_the_lock_is_granted(client: FakeClient, election: LeaderElection) -> None:
    assert not election.is_leader
    client.campaign_lock(1).granted.set()
    assert election.wait_until_leader(WAIT)
    assert not election.standing_down.is_set()


def test_a_lost_connection_pauses_and_a_surviving_session_resumes(client: FakeClient,
                                                                   election: LeaderElection) -> None:
    client.campaign_lock(1).granted.set()
    assert election.wait_until_leader(WAIT)
    client.state(KazooState.SUSPENDED)
    assert not election.is_leader
    assert election.standing_down.is_set()
    client.state(KazooState.CONNECTED)
    assert election.is_leader


def test_an_expired_session_never_leads_on_the_old_lock(client: FakeClient, election: LeaderElection) -> None:
    first = client.campaign_lock(1)
    first.granted.set()
    assert election.wait_until_leader(WAIT)
    client.state(KazooState.SUSPENDED)
    client.state(KazooState.LOST)
    client.state(KazooState.CONNECTED)
    assert not election.is_leader
    second = client.campaign_lock(2)
    assert first.released
    assert not election.is_leader
    second.granted.set()
    assert election.wait_until_leader(WAIT)


def test_stopping_gives_the_lock_back(client: FakeClient) -> None:
    election = LeaderElection(client, "job", "me")
    election.start()
    lock = client.campaign_lock(1)
    lock.granted.set()
    assert election.wait_until_leader(WAIT)
    election.stop()
    assert not election.is_leader
    assert lock.released
    assert client.listeners == []


def test_stopping_a_candidate_cancels_its_wait(client: FakeClient) -> None:
    election = LeaderElection(client, "job", "me")
    election.start()
    lock = client.campaign_lock(1)
    election.stop()
    assert lock.cancelled.is_set()
    assert not lock.released


def test_work_runs_once_per_term_until_the_election_stops(client: FakeClient,
                                                          election: LeaderElection) -> None:
    terms: list[str] = []
    started = threading.Semaphore(0)

    def work(standing_down: threading.Event) -> None:
        terms.append("started")
        started.release()
        standing_down.wait()
        terms.append("ended")

    runner = threading.Thread(target=run_as_leader, args=(election, work))
    runner.start()
    client.campaign_lock(1).granted.set()
    assert started.acquire(timeout=WAIT)
    client.state(KazooState.SUSPENDED)
    client.state(KazooState.CONNECTED)
    assert started.acquire(timeout=WAIT)
    election.stop()
    runner.join(WAIT)
    assert not runner.is_alive()
    assert terms == ["started", "ended", "started", "ended"]

"""Leader election for singleton jobs (the IMAP poller, the SLA watch): one instance runs the job.

A standing candidate, for a long-running loop::

    with LeaderElection(client, "sla-watch", process_identity(), root=settings.zk_root) as election:
        run_as_leader(election, watch)   # watch(standing_down) runs while this instance leads and
                                         # must return soon after standing_down is set

or, in a warm worker that runs the job on a schedule: ``if election.is_leader: poll_mailbox()``.

A single attempt, for a scheduled run that simply skips when another instance leads::

    with try_lead(client, "imap-poller", process_identity(), root=settings.zk_root) as leading:
        if leading:
            poll_mailbox()

Both take kazoo's Lock on ``<root>/leaders/<job>``, so they exclude each other. The lock node is
ephemeral: when the leader dies, ZooKeeper deletes it once the leader's session times out and the
next candidate takes over, within the session timeout. A leader that loses its connection stops
leading at once (``is_leader`` False, ``standing_down`` set), because it cannot know whether its
session survives; if the session survived it resumes on reconnection, otherwise it stands again.
ZooKeeper clients notice a dead connection before the server expires their session, so two
instances never lead at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import CancelledError, KazooException
from kazoo.handlers.threading import KazooTimeoutError

log = logging.getLogger(__name__)

_ZOOKEEPER_ERRORS = (KazooException, KazooTimeoutError)


def election_path(root: str, job: str) -> str:
    return f"{root}/leaders/{job}"


class LeaderElection:
    """Stands for ``job`` in a background thread from ``start()`` (or ``with``) until ``stop()``."""

    def __init__(self, client: KazooClient, job: str, identifier: str, *, root: str = "/planetmail") -> None:
        self.job = job
        self.identifier = identifier
        self._client = client
        self._path = election_path(root, job)
        self._lock = client.Lock(self._path, identifier)
        self._guard = threading.Lock()
        self._holding = False
        self._terms = 0
        self._connected = bool(client.connected)
        self._stopped = threading.Event()
        self._term_over = threading.Event()
        self._leading = threading.Event()
        self.standing_down = threading.Event()
        """Set whenever this instance may not run the job; what ``run_as_leader``'s work waits on."""
        self.standing_down.set()
        self._thread = threading.Thread(target=self._campaign, name=f"election-{job}", daemon=True)

    def __enter__(self) -> LeaderElection:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self._client.add_listener(self._on_connection)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Leave the election; the lock is released so another candidate takes over at once."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._term_over.set()
        self._lock.cancel()
        self._update()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._client.remove_listener(self._on_connection)

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def term(self) -> int:
        """Counts the times this instance became leader (again, after a pause)."""
        return self._terms

    def wait_until_leader(self, timeout: float | None = None) -> bool:
        return self._leading.wait(timeout)

    def contenders(self) -> list[str]:
        """Identifiers of every candidate, the leader first."""
        return [str(each) for each in self._lock.contenders()]

    def _on_connection(self, state: Any) -> None:
        # Runs on kazoo's connection thread: record and signal only, never call ZooKeeper here.
        with self._guard:
            self._connected = state == KazooState.CONNECTED
            if state == KazooState.LOST:
                self._holding = False  # the lock node died with the session
                self._term_over.set()
        self._update()

    def _update(self) -> None:
        with self._guard:
            leading = self._holding and self._connected and not self._stopped.is_set()
            if leading and not self._leading.is_set():
                self._terms += 1
            if leading:
                self.standing_down.clear()
                self._leading.set()
            else:
                self._leading.clear()
                self.standing_down.set()

    def _set_holding(self, holding: bool) -> None:
        with self._guard:
            self._holding = holding
        self._update()

    def _campaign(self) -> None:
        while not self._stopped.is_set():
            self._term_over.clear()
            lock = self._lock = self._client.Lock(self._path, self.identifier)
            if self._stopped.is_set():
                return
            try:
                lock.acquire()
            except CancelledError:
                return
            except _ZOOKEEPER_ERRORS as exc:
                log.warning("election for %s interrupted (%s); standing again", self.job, exc)
                self._stopped.wait(1.0)
                continue
            self._hold(lock)

    def _hold(self, lock: Any) -> None:
        """Lead until the session is lost or the election stops, then give the lock back."""
        self._set_holding(True)
        log.info("%s leads %s", self.identifier, self.job)
        self._term_over.wait()
        self._set_holding(False)
        log.info("%s no longer leads %s", self.identifier, self.job)
        _release(lock)


def run_as_leader(election: LeaderElection, work: Callable[[threading.Event], None]) -> None:
    """Call ``work(election.standing_down)`` once per leadership term until the election stops.

    ``work`` should loop until ``standing_down`` is set (e.g. ``while not standing_down.wait(5):``),
    then return; it is called again when this instance leads again (after a pause or a new election).
    """
    finished_term = 0
    while not election.stopped:
        if not election.wait_until_leader(timeout=0.5):
            continue
        term = election.term
        if term == finished_term:
            election.standing_down.wait(0.5)
            continue
        work(election.standing_down)
        finished_term = term


@contextmanager
def try_lead(client: KazooClient, job: str, identifier: str, *, root: str = "/planetmail") -> Iterator[bool]:
    """Yield True while holding ``job``'s lock for this block; False when another instance leads or
    ZooKeeper is unreachable (a run that cannot confirm leadership is skipped)."""
    lock = client.Lock(election_path(root, job), identifier)
    try:
        acquired = bool(client.connected) and bool(lock.acquire(blocking=False))
    except _ZOOKEEPER_ERRORS:
        acquired = False
    try:
        yield acquired
    finally:
        if acquired and client.connected:
            _release(lock)
        elif acquired:  # kazoo calls wait for a reconnection: release then, in the background
            client.handler.spawn(_release, lock)


def _release(lock: Any) -> None:
    with suppress(*_ZOOKEEPER_ERRORS):  # a lost session took its lock node with it
        lock.release()

"""Singleton jobs through ZooKeeper: run only while holding the job's lock.

planetmail.coordination (the shared leader election) did not exist when this was written; this is
the one small function to replace with it. A scheduled job does not wait for leadership: when
another instance holds the lock, or ZooKeeper is unreachable, this run is skipped.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.handlers.threading import KazooTimeoutError

from planetmail.settings import Settings

ZK_CONNECT_TIMEOUT_SECONDS = 5.0


@contextmanager
def zookeeper(settings: Settings) -> Iterator[KazooClient]:
    client = KazooClient(hosts=settings.zookeeper, timeout=float(settings.zk_session_timeout))
    client.start(timeout=ZK_CONNECT_TIMEOUT_SECONDS)
    try:
        yield client
    finally:
        client.stop()
        client.close()


@contextmanager
def leadership(client: KazooClient, settings: Settings, job: str) -> Iterator[bool]:
    """Yield True while this process holds ``<zk_root>/leaders/<job>``; False when another does."""
    lock = client.Lock(f"{settings.zk_root}/leaders/{job}", f"{socket.gethostname()}:{os.getpid()}")
    try:
        acquired = lock.acquire(blocking=False)
    except (KazooException, KazooTimeoutError):
        acquired = False
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()

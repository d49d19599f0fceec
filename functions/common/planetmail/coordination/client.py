"""KazooClients that come back quickly after a ZooKeeper outage.

kazoo's default reconnection backs off to an hour between attempts; planetmail's clients try at least
every second, so watches, registrations and elections resume right after ZooKeeper returns.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

from planetmail.settings import Settings

RECONNECT_MAX_DELAY = 1.0
CONNECT_TIMEOUT = 5.0


def new_client(settings: Settings, session_timeout: float | None = None) -> KazooClient:
    """A client for ``settings.zookeeper`` (not started); dead sessions expire after ``session_timeout``."""
    return KazooClient(
        hosts=settings.zookeeper,
        timeout=float(session_timeout or settings.zk_session_timeout),
        connection_retry=KazooRetry(max_tries=-1, max_delay=RECONNECT_MAX_DELAY),
        command_retry=KazooRetry(max_tries=3, max_delay=RECONNECT_MAX_DELAY),
    )


@contextmanager
def zookeeper(settings: Settings, session_timeout: float | None = None,
              connect_timeout: float = CONNECT_TIMEOUT) -> Iterator[KazooClient]:
    """A started client, stopped at exit; kazoo's KazooTimeoutError when ZooKeeper is unreachable."""
    client = new_client(settings, session_timeout)
    client.start(timeout=connect_timeout)
    try:
        yield client
    finally:
        client.stop()
        client.close()


def process_identity() -> str:
    """``host:pid``: how this process names itself in elections and the registry."""
    return f"{socket.gethostname()}:{os.getpid()}"

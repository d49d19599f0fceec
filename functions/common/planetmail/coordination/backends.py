"""``coordinator(settings)``: the backend ``settings.coordination`` names, behind one interface.

    with coordinator(settings) as coordination, coordination.lead("imap-poller") as leading:
        if leading:
            cursor = coordination.document("imap/<mailbox>")

The ZooKeeper backend (kazoo) is imported only when chosen, so an AWS deployment never needs it.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from planetmail import aws
from planetmail.coordination.base import Coordinator
from planetmail.coordination.dynamodb import DynamoDbCoordinator
from planetmail.settings import Settings


def instance_identity() -> str:
    """``host:pid#random``: Lambda sandboxes may share host names and pids, so a random part too."""
    return f"{socket.gethostname()}:{os.getpid()}#{uuid.uuid4().hex[:8]}"


@contextmanager
def coordinator(settings: Settings, identity: str | None = None) -> Iterator[Coordinator]:
    """A coordinator for this block; CoordinationUnavailable when its backend cannot be reached."""
    identity = identity or instance_identity()
    if settings.coordination == "dynamodb":
        yield DynamoDbCoordinator(aws.client("dynamodb", settings), settings.idempotency_table, identity)
        return
    from planetmail.coordination.zookeeper import connected

    with connected(settings, identity) as coordination:
        yield coordination

"""Create the Kafka contract's topics (idempotent)."""

from __future__ import annotations

import contextlib

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from planetmail.kafka import make_admin
from planetmail.settings import Settings
from planetmail.topics import TopicSpec, contract_topics


def ensure_topics(
    settings: Settings, specs: list[TopicSpec] | None = None, replication: int = 1
) -> list[str]:
    """Create every missing topic (names get the settings' topic prefix); return the ones created."""
    wanted = {settings.topic(spec.name): spec.partitions for spec in (specs or contract_topics())}
    admin = make_admin(settings)
    try:
        missing = sorted(set(wanted) - set(admin.list_topics()))
        if missing:
            # Another process may create some in between: that is the goal anyway.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(name, wanted[name], replication) for name in missing])
        return missing
    finally:
        admin.close()

"""Create the Kafka contract's topics (idempotent); read one whole (tests and tools)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

from planetmail.kafka import make_admin, make_consumer
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
            _wait_until_led(admin, missing)
        return missing
    finally:
        admin.close()


def delete_topics(settings: Settings) -> list[str]:
    """Delete every topic under the settings' (non-empty) topic prefix; return their names."""
    if not settings.topic_prefix:
        raise ValueError("refusing to delete topics without a topic prefix: that would be the contract's")
    admin = make_admin(settings)
    try:
        doomed = sorted(t for t in admin.list_topics() if t.startswith(settings.topic_prefix))
        if doomed:
            with contextlib.suppress(UnknownTopicOrPartitionError):
                admin.delete_topics(doomed)
        return doomed
    finally:
        admin.close()


def _wait_until_led(admin: Any, names: list[str], timeout_s: float = 15.0) -> None:
    """Creation returns before every partition has a leader; clients started right after would find
    the topic missing or unwritable, so wait until the broker's metadata shows them all led."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = admin.describe_topics(names)
        if len(described) == len(names) and all(_led(topic) for topic in described):
            return
        time.sleep(0.2)
    raise KafkaTimeoutError(f"topics {', '.join(names)} have no partition leader after {timeout_s:.0f} s")


def _led(topic: dict[str, Any]) -> bool:
    partitions = topic.get("partitions") or []
    return topic.get("error_code", 0) == 0 and bool(partitions) and all(
        p.get("error_code", 0) == 0 and p.get("leader_id", -1) >= 0 for p in partitions)


def topic_values(settings: Settings, name: str, timeout_s: float = 10.0) -> list[bytes]:
    """Every value on the (prefixed) topic, from the beginning to its end offsets at the time of the call."""
    with contextlib.closing(TopicReader(settings, name)) as reader:
        return reader.read_new(timeout_s)


class TopicReader:
    """A (prefixed) topic read from its beginning, in steps: each ``read_new`` returns what arrived since
    the last one, so a poll after tens of thousands of records costs only the new ones."""

    def __init__(self, settings: Settings, name: str) -> None:
        topic = settings.topic(name)
        self._consumer = make_consumer(settings, group_id=None)
        self._partitions = [TopicPartition(topic, p)
                            for p in sorted(self._consumer.partitions_for_topic(topic) or ())]
        self._consumer.assign(self._partitions)
        self._consumer.seek_to_beginning()

    def read_new(self, timeout_s: float = 10.0) -> list[bytes]:
        """Values from where the last read stopped up to the end offsets at the time of the call."""
        ends = self._consumer.end_offsets(self._partitions)
        values: list[bytes] = []
        deadline = time.monotonic() + timeout_s
        while (any(self._consumer.position(p) < ends[p] for p in self._partitions)
               and time.monotonic() < deadline):
            values += [r.value for batch in self._consumer.poll(timeout_ms=200).values() for r in batch]
        return values

    def close(self) -> None:
        self._consumer.close()

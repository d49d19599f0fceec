"""The Observatory against real Kafka: replay + follow mail.events, and consumer lag per group."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from planetmail import topics
from planetmail.inbound import utcnow
from planetmail.kafka import make_consumer, make_producer
from planetmail.settings import Settings
from planetmail_local.observability import Observatory
from planetmail_local.observability.lag import GroupLag, consumer_lag
from planetmail_local.observability.synthetic import message_events, publish

pytestmark = pytest.mark.integration


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_history_is_replayed_and_new_events_are_followed(isolated_settings: Settings):
    producer = make_producer(isolated_settings)
    before = message_events(utcnow() - timedelta(minutes=3), latency=timedelta(seconds=2), category="praise")
    publish(isolated_settings, producer, before)
    with Observatory(isolated_settings, lag_interval=0.5) as observatory:
        assert observatory.feed.caught_up.wait(20)
        assert observatory.pipeline.snapshot()["totals"]["acknowledged"] == 1
        after = message_events(utcnow(), latency=timedelta(seconds=1), outcome="suppressed", category="spam")
        publish(isolated_settings, producer, after)
        wait_for(lambda: observatory.pipeline.snapshot()["totals"].get("suppressed") == 1)
        snapshot = observatory.snapshot()
    producer.close()
    assert snapshot["pipeline"]["mix"]["category"] == {"praise": 1, "spam": 1}
    assert snapshot["pipeline"]["latency"]["p50"] == 2.0
    assert snapshot["feed"] == {"caught_up": True, "undecodable": 0}
    assert observatory.pipeline.message(after[0].id) is not None


def test_lag_is_end_offset_minus_committed_offset_per_group(isolated_settings: Settings):
    topic = isolated_settings.topic(topics.RECEIVED)
    producer = make_producer(isolated_settings)
    for n in range(10):
        producer.send(topic, value=b"{}", partition=0, key=str(n).encode())
    producer.flush()
    producer.close()
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    consumer = make_consumer(isolated_settings, group_id=group)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(4, "", -1)})
    consumer.close()

    lags = [entry for entry in consumer_lag(isolated_settings) if entry.group == group]
    assert lags == [GroupLag(group, topic, 6, 1)]

"""The MSK / self-managed Kafka event, in AWS's exact shape."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from kafka_records import Record, mapping

from planetmail_local.emulator.kafka.event import (
    PAYLOAD_LIMIT_BYTES,
    java_bytes,
    kafka_event,
    take_batch,
)

EVENTS = Path(__file__).parents[3] / "tests" / "fixtures" / "sam_app" / "events"  # SAM's generic samples


def test_self_managed_event_groups_records_by_topic_partition():
    event = kafka_event(
        mapping(),
        [
            Record(offset=5, value=b"hi", headers=(("h", "é".encode()),)),
            Record(partition=1, offset=2, key=None, timestamp_type=1),
        ],
    )
    assert event == {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": "b1:9092,b2:9092",
        "records": {
            "orders-0": [
                {
                    "topic": "orders",
                    "partition": 0,
                    "offset": 5,
                    "timestamp": 1_700_000_000_000,
                    "timestampType": "CREATE_TIME",
                    "key": "aw==",
                    "value": "aGk=",
                    "headers": [{"h": [-61, -87]}],
                }
            ],
            "orders-1": [
                {
                    "topic": "orders",
                    "partition": 1,
                    "offset": 2,
                    "timestamp": 1_700_000_000_000,
                    "timestampType": "LOG_APPEND_TIME",
                    "value": "e30=",
                    "headers": [],
                }
            ],
        },
    }


def test_msk_event_names_the_cluster():
    arn = "arn:aws:kafka:us-east-1:123456789012:cluster/c/abc-1"
    event = kafka_event(mapping(source="aws:kafka", event_source_arn=arn), [Record()])
    assert list(event)[:3] == ["eventSource", "eventSourceArn", "bootstrapServers"]
    assert (event["eventSource"], event["eventSourceArn"]) == ("aws:kafka", arn)


def test_signed_bytes_as_java_sends_them():
    assert java_bytes(bytes([0, 127, 128, 255])) == [0, 127, -128, -1]


def test_sample_events_have_the_constructed_shape():
    constructed = kafka_event(mapping(), [Record()])
    for name, source in (("self-managed-kafka.json", "SelfManagedKafka"), ("msk.json", "aws:kafka")):
        sample = json.loads((EVENTS / name).read_text())
        assert sample["eventSource"] == source
        record = next(iter(sample["records"].values()))[0]
        assert set(record) == set(next(iter(constructed["records"].values()))[0])
        assert base64.b64decode(record["value"])


def test_batches_stop_at_the_size_and_payload_limits():
    # Each value is a quarter of the limit raw, a third once base64-encoded: two fit, a third does not.
    buffer = [Record(offset=i, value=b"x" * (PAYLOAD_LIMIT_BYTES // 4)) for i in range(5)]
    assert [r.offset for r in take_batch(buffer, batch_size=10)] == [0, 1]
    assert [r.offset for r in take_batch(buffer, batch_size=1)] == [2]
    assert [r.offset for r in buffer] == [3, 4]


def test_an_oversized_record_still_goes_alone():
    buffer = [Record(value=b"x" * (PAYLOAD_LIMIT_BYTES + 1))]
    assert len(take_batch(buffer, batch_size=100)) == 1

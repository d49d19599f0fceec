import base64

from planetmail.kafka_event import kafka_messages


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _record(offset, value, key=b"reader@example.com", partition=0, headers=None):
    record = {
        "topic": "mail.received",
        "partition": partition,
        "offset": offset,
        "timestamp": 1764150000000,
        "timestampType": "CREATE_TIME",
        "value": value,
        "headers": headers or [],
    }
    if key is not None:
        record["key"] = _b64(key)
    return record


def _event(*records):
    partitions = {}
    for record in records:
        partitions.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return {"eventSource": "aws:kafka", "bootstrapServers": "b-1:9092", "records": partitions}


def test_records_become_messages_with_bytes():
    event = _event(
        _record(7, _b64(b'{"a": 1}'), headers=[{"trace": [104, 105]}, {"name": [-61, -79]}]),
        _record(3, _b64(b"x"), partition=2, key=None),
    )
    first, second = kafka_messages(event)
    assert (first.topic, first.partition, first.offset) == ("mail.received", 0, 7)
    assert first.key == b"reader@example.com"
    assert first.value == b'{"a": 1}'
    assert first.headers == (("trace", b"hi"), ("name", "ñ".encode()))
    assert second.key is None
    assert second.item_identifier == {"partition": "mail.received-2", "offset": 3}


def test_a_value_that_is_not_base64_becomes_empty_bytes():
    (message,) = kafka_messages(_event(_record(1, "***not base64***")))
    assert message.value == b""


def test_an_event_without_records_has_no_messages():
    assert kafka_messages({"eventSource": "aws:kafka", "records": {}}) == []

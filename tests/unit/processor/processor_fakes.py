"""Stand-ins for Kafka and the lifecycle reporter: they record sends and settle futures at once."""

from __future__ import annotations

from kafka.errors import KafkaTimeoutError
from kafka.future import Future

from planetmail import codec
from planetmail.lifecycle import LifecycleEvent


class FakeProducer:
    def __init__(self, failing_topics=(), flush_error=False):
        self.sent = []
        self.failing_topics = set(failing_topics)
        self.flush_error = flush_error
        self.flushes = 0

    def send(self, topic, key=None, value=None, headers=None):
        self.sent.append({"topic": topic, "key": key, "value": value, "headers": headers or []})
        future = Future()
        if self.flush_error:
            return future  # never settles, as when the broker is unreachable
        if topic in self.failing_topics:
            future.failure(KafkaTimeoutError(f"{topic} unavailable"))
        else:
            future.success(None)
        return future

    def flush(self, timeout=None):
        self.flushes += 1
        if self.flush_error:
            raise KafkaTimeoutError("flush timed out")

    def topics(self):
        return [s["topic"] for s in self.sent]

    def values(self, topic):
        return [codec.decode(s["value"]) for s in self.sent if s["topic"] == topic]


class FakeReporter:
    def __init__(self, producer, fail_for=()):
        self.events: list[LifecycleEvent] = []
        self.producer = producer
        self.fail_for = set(fail_for)

    def report(self, event):
        if event.id in self.fail_for:
            raise RuntimeError("status table unavailable")
        self.events.append(event)
        return self.producer.send("mail.events", key=event.id.encode(), value=codec.encode(event))

    def write_rows(self):
        pass

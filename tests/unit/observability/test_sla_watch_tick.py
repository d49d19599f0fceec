"""SlaWatch.tick: one breach event per late message, one summary per tick, never twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from planetmail import codec
from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.sla import Overdue
from planetmail_local.observability.sla_watch import SlaWatch, breach_summary
from planetmail_local.observability.synthetic import message_events

NOW = utcnow()
CONFIG = PipelineConfig(sla_seconds=60, operations_email="ops@dailyplanet.example")


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, LifecycleEvent]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, codec.decode_as(LifecycleEvent, value)))

    def flush(self) -> None:
        pass


def test_tick_reports_each_late_message_once_and_notifies_with_the_batch(capsys):
    producer = RecordingProducer()
    notified: list[tuple[Any, PipelineConfig]] = []
    watch = SlaWatch(Settings.load(topic_prefix="u."), producer, config=lambda: CONFIG,
                     identity="host:1", notify=lambda late, config: notified.append((late, config)),
                     clock=lambda: NOW)
    late = message_events(NOW - timedelta(seconds=90), latency=timedelta(0), outcome="open")
    answered = message_events(NOW - timedelta(seconds=90), latency=timedelta(seconds=5))
    for event in late + answered:
        watch.add(event)

    assert [o.id for o in watch.tick()] == [late[0].id]
    assert watch.tick() == []
    ((topic, key, event),) = producer.sent
    assert (topic, key) == ("u.mail.events", late[0].id.encode())
    assert (event.stage, event.state, event.received_at) == ("watchdog", "sla_breach", late[0].at)
    assert event.detail["watcher"] == "host:1"
    assert event.detail["sla_seconds"] == 60
    assert len(notified) == 1
    assert '"SlaBreaches"' in capsys.readouterr().out


def test_breach_summary_lists_each_message():
    watch_late = message_events(NOW - timedelta(seconds=400), latency=timedelta(0), outcome="open")[0]
    message = breach_summary([Overdue(watch_late.id, watch_late.at, 400.0)], CONFIG)
    assert message["To"] == "ops@dailyplanet.example"
    assert message["Subject"] == "planetmail: 1 message(s) not acknowledged within 60 s"
    assert watch_late.id in message.get_content()

"""Two SLA watch processes, one leader: kill -9 the leader and the other one takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from kafka import KafkaConsumer
from kazoo.client import KazooClient

from planetmail import codec, topics
from planetmail.coordination.leader import election_path
from planetmail.inbound import utcnow
from planetmail.kafka import make_consumer, make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import ENV_TOPIC_PREFIX, ENV_ZK_ROOT, Settings
from planetmail_local.observability.sla_watch import ELECTION
from planetmail_local.observability.synthetic import message_events, publish

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SLA_SECONDS = 2
SESSION_TIMEOUT = 4  # ZooKeeper's minimum with the default tickTime: failover within ~4-6 s

PLANETMAIL = Path(sys.executable).with_name("planetmail")

StartWatch = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def zk_root(stack_settings: Settings) -> Iterator[str]:
    root = f"/planetmail-test-{uuid.uuid4().hex[:10]}"
    yield root
    zk = KazooClient(hosts=stack_settings.zookeeper)
    zk.start()
    zk.delete(root, recursive=True)
    zk.stop()


@pytest.fixture
def start_watch(isolated_settings: Settings, zk_root: str) -> Iterator[StartWatch]:
    processes: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, ENV_TOPIC_PREFIX: isolated_settings.topic_prefix, ENV_ZK_ROOT: zk_root}

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [str(PLANETMAIL), "sla-watch", "--sla-seconds", str(SLA_SECONDS), "--interval", "0.5",
             "--session-timeout", str(SESSION_TIMEOUT)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def contenders(settings: Settings, zk_root: str) -> list[str]:
    zk = KazooClient(hosts=settings.zookeeper)
    zk.start()
    try:
        return [str(c) for c in zk.Lock(election_path(zk_root, ELECTION)).contenders()]
    finally:
        zk.stop()


class Breaches:
    """Every sla_breach on the isolated mail.events, read as they come."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer
        self.seen: list[LifecycleEvent] = []

    def of(self, tracking_id: str) -> list[LifecycleEvent]:
        for records in self._consumer.poll(timeout_ms=200).values():
            for record in records:
                event = codec.decode_as(LifecycleEvent, record.value)
                if event.state == "sla_breach":
                    self.seen.append(event)
        return [e for e in self.seen if e.id == tracking_id]


def test_the_other_watch_takes_over_when_the_leader_is_killed(
        isolated_settings: Settings, zk_root: str, start_watch: StartWatch) -> None:
    watches = {str(p.pid): p for p in (start_watch(), start_watch())}
    wait_for(lambda: len(contenders(isolated_settings, zk_root)) == 2, 30, "both watches in the election")
    leader_pid = contenders(isolated_settings, zk_root)[0].rsplit(":", 1)[1]
    follower_pid = next(pid for pid in watches if pid != leader_pid)

    producer = make_producer(isolated_settings)
    consumer = make_consumer(isolated_settings, isolated_settings.topic(topics.EVENTS), group_id=None)
    breaches = Breaches(consumer)
    try:
        late, answered = (message_events(utcnow(), latency=timedelta(seconds=0.1), outcome=o)
                          for o in ("open", "acknowledged"))
        publish(isolated_settings, producer, late + answered)
        wait_for(lambda: bool(breaches.of(late[0].id)), 30, "the leader to report the late message")
        assert breaches.of(late[0].id)[0].detail["watcher"].endswith(f":{leader_pid}")

        killed_at = time.monotonic()
        watches[leader_pid].send_signal(signal.SIGKILL)
        watches[leader_pid].wait(10)
        after_kill = message_events(utcnow(), latency=timedelta(seconds=0.1), outcome="open")
        publish(isolated_settings, producer, after_kill)

        wait_for(lambda: bool(breaches.of(after_kill[0].id)), 40, "the follower to take over and report")
        print(f"kill -9 to first breach reported by the new leader: {time.monotonic() - killed_at:.1f} s "
              f"(SLA {SLA_SECONDS} s, session timeout {SESSION_TIMEOUT} s)")
        assert breaches.of(after_kill[0].id)[0].detail["watcher"].endswith(f":{follower_pid}")
        time.sleep(2 * SLA_SECONDS)  # a few more ticks of the new leader
        assert len(breaches.of(late[0].id)) == 1, "the new leader reported an old breach again"
        assert breaches.of(answered[0].id) == [], "an acknowledged message was reported late"
    finally:
        consumer.close()
        producer.close()

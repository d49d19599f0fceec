"""The broker dies under a running collector: 503 + Retry-After while it is down, nothing accepted
that is not stored, and the provider's retry accepted under the same tracking id once it is back.

A throwaway Kafka broker (the jars of the cache `planetmail up` fills) on its own port and ZooKeeper
chroot, so the shared broker is never touched; it is SIGKILLed and restarted on the same log directory.
"""

from __future__ import annotations

import dataclasses
import subprocess
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from collector_stack import wait_for_port
from fastapi.testclient import TestClient
from kazoo.client import KazooClient

from collector.app import create_app
from collector.runtime import Runtime
from planetmail import codec, topics
from planetmail.inbound import InboundEmail
from planetmail.kafka import make_consumer
from planetmail.settings import Settings
from planetmail.topics import contract_topics
from planetmail_local.stack.config import StackConfig, free_port
from planetmail_local.stack.topics import ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.faults]


BROKER_PROPERTIES = """\
broker.id=0
listeners=PLAINTEXT://127.0.0.1:{port}
log.dirs={logs}
zookeeper.connect={zookeeper}
zookeeper.session.timeout.ms=4000
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
"""


@dataclasses.dataclass
class Broker:
    port: int
    config: Path
    zookeeper: KazooClient
    chroot: str
    lib: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        command = ["java", "-Xmx256m", "-cp", f"{self.lib}/*", "kafka.Kafka", str(self.config)]
        with (self.config.parent / "kafka.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, "the throwaway broker", timeout_s=40)

    def kill(self) -> None:
        """SIGKILL, then wait for ZooKeeper to expire the broker's registration (a restart fails before)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None
        deadline = time.monotonic() + 30
        while self.zookeeper.exists(f"{self.chroot}/brokers/ids/0") and time.monotonic() < deadline:
            time.sleep(0.2)


@pytest.fixture
def broker(tmp_path: Path, stack_settings: Settings) -> Iterator[Broker]:
    chroot = f"/collector-failover-{uuid.uuid4().hex[:8]}"
    port = free_port()
    config = tmp_path / "server.properties"
    config.write_text(
        BROKER_PROPERTIES.format(
            port=port, logs=tmp_path / "logs", zookeeper=f"{stack_settings.zookeeper}{chroot}"
        )
    )
    zookeeper = KazooClient(hosts=stack_settings.zookeeper)
    zookeeper.start(timeout=5)
    broker = Broker(port, config, zookeeper, chroot, StackConfig.from_settings(stack_settings).kafka_lib)
    try:
        broker.start()
        yield broker
    finally:
        broker.kill()
        zookeeper.delete(chroot, recursive=True)
        zookeeper.stop()
        zookeeper.close()


def _message(subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "lana@example.org"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    message.set_content("body")
    return message.as_bytes()


def _records(settings: Settings) -> list[InboundEmail]:
    consumer = make_consumer(
        settings, settings.topic(topics.RECEIVED), group_id=None, consumer_timeout_ms=3000
    )
    try:
        return [codec.decode_as(InboundEmail, record.value) for record in consumer]
    finally:
        consumer.close()


def test_broker_killed_and_restarted(
    collector_settings: Settings, bearer: dict[str, str], broker: Broker
) -> None:
    settings = dataclasses.replace(collector_settings, kafka_bootstrap=broker.bootstrap)
    ensure_topics(
        settings, [spec for spec in contract_topics() if spec.name in (topics.RECEIVED, topics.EVENTS)]
    )
    runtime = Runtime(settings, ack_timeout=4.0)
    headers = {**bearer, "Content-Type": "message/rfc822"}
    before, during = _message("before"), _message("during")
    with TestClient(create_app(runtime)) as client:
        accepted = client.post("/v1/emails", content=before, headers=headers)
        broker.kill()
        refused = client.post("/v1/emails", content=during, headers=headers)
        broker.start()
        retries = [client.post("/v1/emails", content=during, headers=headers)]
        while retries[-1].status_code == 503 and len(retries) < 10:  # what the provider does
            time.sleep(float(retries[-1].headers["retry-after"]) / 10)
            retries.append(client.post("/v1/emails", content=during, headers=headers))
    runtime.close()

    assert accepted.status_code == 202
    assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
    assert retries[-1].status_code == 202
    records = _records(settings)
    assert {email.subject for email in records} == {"before", "during"}
    # At-least-once: the record the dead broker never acknowledged may still arrive from the producer's
    # buffer, but every copy carries the one tracking id the provider was finally given.
    assert {email.id for email in records if email.subject == "during"} == {retries[-1].json()["id"]}

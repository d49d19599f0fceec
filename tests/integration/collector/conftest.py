"""The collector against the real stack: unique topics, bucket and tables per test, and helpers to
read back what landed on Kafka. SNS certificates come from a trust store holding the fixture cert;
outbound HTTP (SubscribeURL, certificate downloads) is recorded, never sent."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator

import collector_stack
import pytest
from collector_payloads import API_TOKEN, FIXTURES, SNS_CERT_NAME, RecordingFetcher
from fastapi.testclient import TestClient
from kafka import TopicPartition

from collector.app import create_app
from collector.runtime import Runtime
from planetmail import codec, topics
from planetmail.inbound import InboundEmail
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings


@pytest.fixture(scope="module")
def collector_settings(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """One set of topics, bucket and tables per test module (tests read only what they produced)."""
    trust = tmp_path_factory.mktemp("sns-certs")
    shutil.copy(FIXTURES / "ses" / "certificate.pem", trust / SNS_CERT_NAME)
    settings = collector_stack.provision(stack_settings, sns_cert_dir=str(trust))
    yield settings
    collector_stack.remove(settings)


@pytest.fixture
def fetcher() -> RecordingFetcher:
    return RecordingFetcher()


@pytest.fixture
def runtime(collector_settings: Settings, fetcher: RecordingFetcher) -> Iterator[Runtime]:
    runtime = Runtime(collector_settings, fetch=fetcher)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


class TopicReader:
    """Reads what was written to a topic after the reader was created (the test's own records)."""

    def __init__(self, settings: Settings, name: str) -> None:
        self._consumer = make_consumer(settings, group_id=None)
        partitions = self._consumer.partitions_for_topic(settings.topic(name)) or set()
        self._partitions = [TopicPartition(settings.topic(name), p) for p in sorted(partitions)]
        self._consumer.assign(self._partitions)
        self._consumer.seek_to_end()
        for partition in self._partitions:
            self._consumer.position(partition)

    def read(self, expected: int, timeout_s: float = 8.0) -> list[bytes]:
        """Values until ``expected`` arrived (plus a short look for an unexpected extra one)."""
        values: list[bytes] = []
        deadline = time.monotonic() + timeout_s
        while len(values) < expected and time.monotonic() < deadline:
            values += [r.value for batch in self._consumer.poll(timeout_ms=200).values() for r in batch]
        values += [r.value for batch in self._consumer.poll(timeout_ms=500).values() for r in batch]
        return values

    def close(self) -> None:
        self._consumer.close()


@pytest.fixture
def received(collector_settings: Settings) -> Iterator[Callable[[int], list[InboundEmail]]]:
    reader = TopicReader(collector_settings, topics.RECEIVED)

    def read(expected: int = 1) -> list[InboundEmail]:
        return [codec.decode_as(InboundEmail, value) for value in reader.read(expected)]

    yield read
    reader.close()


@pytest.fixture
def events(collector_settings: Settings) -> Iterator[Callable[[int], list[LifecycleEvent]]]:
    reader = TopicReader(collector_settings, topics.EVENTS)

    def read(expected: int = 1) -> list[LifecycleEvent]:
        return [codec.decode_as(LifecycleEvent, value) for value in reader.read(expected)]

    yield read
    reader.close()

"""The collector against the real stack: unique topics, bucket and tables per test, and helpers to
read back what landed on Kafka. SNS certificates come from a trust store holding the fixture cert;
outbound HTTP (SubscribeURL, certificate downloads) is recorded, never sent."""

from __future__ import annotations

import dataclasses
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import collector_stack
import pytest
from fastapi.testclient import TestClient
from kafka import TopicPartition

from collector.app import create_app
from collector.runtime import Runtime
from planetmail import codec, topics
from planetmail.inbound import InboundEmail
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings

FIXTURES = Path("/work/shared/fixtures/webhooks")
SNS_CERT_NAME = "SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem"
API_TOKEN = collector_stack.API_TOKEN
CREDENTIALS = collector_stack.CREDENTIALS


@dataclasses.dataclass
class RecordingFetcher:
    """Stands in for the internet: records every URL and answers 200 with an empty body."""

    urls: list[str] = dataclasses.field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return b""


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


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def sign_sns(message: dict[str, str], version: str = "1") -> dict[str, str]:
    """``message`` signed with the fixture private key, as SNS would (SignatureVersion 1 or 2)."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from collector import sns

    key = serialization.load_pem_private_key(fixture_bytes("ses/privatekey.pem"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signed = {**message, "SignatureVersion": version}
    to_sign = sns.string_to_sign(
        sns.SnsMessage.model_validate(signed | {"Signature": "", "SigningCertURL": ""})
    )
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signed["Signature"] = base64.b64encode(key.sign(to_sign, padding.PKCS1v15(), algorithm)).decode()
    return signed


def mailgun_form(
    fields: dict[str, str],
    key: str = CREDENTIALS["mailgun"],
    timestamp: int | None = None,
    token: str | None = None,
) -> dict[str, str]:
    import hashlib
    import hmac
    import time

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or uuid.uuid4().hex
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": stamp, "token": token, "signature": signature}

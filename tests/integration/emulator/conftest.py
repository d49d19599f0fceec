"""The fixture SAM app (tests/fixtures/sam_app) on isolated topics of the running broker."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_kafka import BOOTSTRAP
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from planetmail_local.emulator.model import Application
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application

FIXTURE_TEMPLATE = Path(__file__).parents[2] / "fixtures" / "sam_app" / "template.yaml"
TOPICS = {
    "poison": 1,
    "dlq": 1,
    "bisect": 1,
    "partial": 1,
    "killed": 3,
    "filtered": 1,
    "msk": 1,
    "latest": 1,
    "aged": 1,
    "attimestamp": 1,
}


@pytest.fixture
def topic_prefix() -> Iterator[str]:
    prefix = f"emu{uuid.uuid4().hex[:10]}."
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    names = [prefix + name for name in TOPICS]
    admin.create_topics([NewTopic(prefix + name, partitions, 1) for name, partitions in TOPICS.items()])
    try:
        yield prefix
    finally:
        with contextlib.suppress(Exception):
            admin.delete_topics(names)
        admin.close()


@pytest.fixture
def trace_file(tmp_path: Path) -> Path:
    return tmp_path / "trace.jsonl"


@pytest.fixture
def fixture_app(topic_prefix: str, trace_file: Path) -> Application:
    return load_application(
        FIXTURE_TEMPLATE,
        {"TopicPrefix": topic_prefix},
        {"Parameters": {"TRACE_FILE": str(trace_file)}},
        kafka_bootstrap=BOOTSTRAP,
    )


@pytest.fixture
def http_app() -> Application:
    return load_application(FIXTURE_TEMPLATE, kafka_bootstrap=BOOTSTRAP)


@pytest.fixture
def emulator(http_app: Application, tmp_path: Path) -> Iterator[Emulator]:
    running = Emulator(http_app, EmulatorOptions(log_dir=tmp_path / "logs", api_port=0, lambda_port=0))
    running.start(kafka=False, schedules=False)
    try:
        yield running
    finally:
        running.stop()

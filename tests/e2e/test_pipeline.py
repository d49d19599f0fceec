"""The whole pipeline on planetmail's own template: provider webhooks → collector → Kafka → processor →
responder → the real SMTP sink, with every function running in the FaaS emulator's workers.

Traffic comes from the benchmark's own generator and is followed with the benchmark's own follower, so
this test also proves that ``planetmail bench`` measures what it claims.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator

import pytest
from e2e_support import (
    assert_acknowledged_exactly_once,
    category_of_a_complaint,
    running_pipeline,
    states_of,
    worker_environment,
)

from planetmail.config.zookeeper import config_path, read_document, write_document
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.stack.topics import delete_topics, ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 24
ZK_ROOT = f"/planetmail-e2e-{os.getpid()}"


@pytest.fixture(scope="module")
def pipeline(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API gateway URL of planetmail's template, on unique topics, every Kafka mapping polling."""
    settings = dataclasses.replace(stack_settings, topic_prefix=f"e2e{os.getpid()}{int(time.time())}.")
    ensure_topics(settings)
    environment = worker_environment(settings, ZK_ROOT)
    try:
        with running_pipeline(settings, environment, {}, tmp_path_factory.mktemp("e2e-logs")) as (url, _):
            yield url
    finally:
        _delete_zk_root(settings)
        delete_topics(settings)


def test_every_genuine_message_is_acknowledged_exactly_once(pipeline: str, stack_settings: Settings):
    expected = assert_acknowledged_exactly_once(pipeline, stack_settings, MESSAGES)

    for tracking_id in list(expected)[:3]:
        states = states_of(pipeline, tracking_id)
        assert {"received", "classified", "acknowledged"} <= set(states), states


def test_a_configuration_change_in_zookeeper_reaches_running_workers(pipeline: str, stack_settings: Settings):
    """With the threshold at 1.0 nothing is confident enough: mail goes to human review, live."""
    settings = dataclasses.replace(stack_settings, zk_root=ZK_ROOT)
    client = new_client(settings)
    client.start(timeout=10)
    try:
        path = config_path(settings)
        stored = read_document(client, path)
        write_document(client, path, PipelineConfig(confidence_threshold=1.0), stored.version)
        time.sleep(1.5)  # the promise: applied within a second, without a restart
        categories = category_of_a_complaint(pipeline)
        assert categories == ["human_review"]
    finally:
        write_document(client, config_path(settings), PipelineConfig(), read_document(client, path).version)
        client.stop()
        client.close()


def _delete_zk_root(settings: Settings) -> None:
    client = new_client(settings)
    client.start(timeout=10)
    try:
        client.delete(ZK_ROOT, recursive=True)
    finally:
        client.stop()
        client.close()

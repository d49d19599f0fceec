"""The whole pipeline on planetmail's own template: provider webhooks → collector → Kafka → processor →
responder → the real SMTP sink, with every function running in the FaaS emulator's workers.

Traffic comes from the benchmark's own generator and is followed with the benchmark's own follower, so
this test also proves that ``planetmail bench`` measures what it claims.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from e2e_support import (
    Pipeline,
    assert_acknowledged_exactly_once,
    category_of_a_complaint,
    isolated_pipeline,
    states_of,
)

from planetmail.config.zookeeper import config_path, read_document, write_document
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 24


@pytest.fixture(scope="module")
def pipeline(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """planetmail's template on unique topics, every Kafka mapping polling."""
    with isolated_pipeline(stack_settings, "e2e", tmp_path_factory.mktemp("e2e-logs")) as pipeline:
        yield pipeline


def test_every_genuine_message_is_acknowledged_exactly_once(pipeline: Pipeline, stack_settings: Settings):
    expected = assert_acknowledged_exactly_once(pipeline.url, stack_settings, MESSAGES)

    for tracking_id in list(expected)[:3]:
        states = states_of(pipeline.url, tracking_id)
        assert {"received", "classified", "acknowledged"} <= set(states), states


def test_a_configuration_change_in_zookeeper_reaches_running_workers(pipeline: Pipeline):
    """With the threshold at 1.0 nothing is confident enough: mail goes to human review, live."""
    settings = pipeline.settings
    client = new_client(settings)
    client.start(timeout=10)
    try:
        path = config_path(settings)
        stored = read_document(client, path)
        write_document(client, path, PipelineConfig(confidence_threshold=1.0), stored.version)
        time.sleep(1.5)  # the promise: applied within a second, without a restart
        categories = category_of_a_complaint(pipeline.url)
        assert categories == ["human_review"]
    finally:
        write_document(client, config_path(settings), PipelineConfig(), read_document(client, path).version)
        client.stop()
        client.close()


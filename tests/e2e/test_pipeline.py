"""The whole pipeline on planetmail's own template: provider webhooks → collector → Kafka → processor →
responder → the real SMTP sink, with every function running in the FaaS emulator's workers.

Traffic comes from the benchmark's own generator and is followed with the benchmark's own follower, so
this test also proves that ``planetmail bench`` measures what it claims.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Iterator

import httpx
import pytest
from e2e_support import CREDENTIALS, ROOT, genuine_corpus, send_all, viewer_url, worker_environment

from planetmail.config import config_path, read_document, write_document
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.bench.follow import wait_for_acknowledgements
from planetmail_local.bench.traffic import TrafficMix
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port
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
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    application = load_application(ROOT / "template.yaml", parameter_overrides={
        "KafkaBootstrapServers": settings.kafka_bootstrap, "TopicPrefix": settings.topic_prefix,
        "SmtpHost": settings.smtp_host, "SmtpPort": str(settings.smtp_port)})
    options = EmulatorOptions(log_dir=tmp_path_factory.mktemp("e2e-logs"), api_port=free_port(),
                              lambda_port=free_port())
    emulator = Emulator(application, options)
    emulator.start(kafka=True, schedules=False)
    try:
        yield f"http://127.0.0.1:{options.api_port}"
    finally:
        emulator.stop()
        _delete_zk_root(settings)
        delete_topics(settings)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_every_genuine_message_is_acknowledged_exactly_once(pipeline: str, stack_settings: Settings):
    mix = TrafficMix(genuine_corpus(), CREDENTIALS, auto_reply_share=0.2, seed=11)
    accepted = send_all(pipeline, list(itertools.islice(mix.requests(), MESSAGES)))
    expected = {tracking_id for tracking_id, wanted in accepted.items() if wanted}
    unwanted = set(accepted) - expected
    assert expected and unwanted, "the mix must hold both genuine mail and mail that must not be answered"

    viewer = viewer_url(stack_settings)
    deliveries = wait_for_acknowledgements(viewer, expected, deadline=time.time() + 120)
    # Give stragglers (a wrong second email, or an answer to an auto-reply) time to show up.
    time.sleep(3)
    deliveries = wait_for_acknowledgements(viewer, expected, deadline=time.time())

    assert expected <= deliveries.times.keys(), f"never acknowledged: {expected - deliveries.times.keys()}"
    assert not unwanted & deliveries.times.keys(), "auto-replies or spam were answered"
    assert {tid: len(deliveries.times[tid]) for tid in expected} == dict.fromkeys(expected, 1)

    with httpx.Client(base_url=pipeline, timeout=30) as client:
        for tracking_id in list(expected)[:3]:
            timeline = client.get(f"/v1/emails/{tracking_id}",
                                  headers={"Authorization": f"Bearer {CREDENTIALS.api_token}"})
            assert timeline.status_code == 200, timeline.text
            states = [step["state"] for step in timeline.json()["timeline"]]
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
        complaints = [m for m in genuine_corpus() if m.category == "complaints"]
        request = next(TrafficMix(complaints, CREDENTIALS, auto_reply_share=0.0, seed=3).requests())
        headers = {"Authorization": f"Bearer {CREDENTIALS.api_token}"}
        with httpx.Client(base_url=pipeline, timeout=60) as http:
            accepted = http.post(request.path, headers=request.headers, content=request.content,
                                 json=request.json_body, data=request.form)
            assert accepted.status_code == 202, accepted.text
            tracking_id = accepted.json()["id"]
            deadline = time.time() + 60
            categories: list[str] = []
            while time.time() < deadline and not categories:
                steps = http.get(f"/v1/emails/{tracking_id}", headers=headers).json().get("timeline", [])
                categories = [s["detail"].get("category") for s in steps if s["state"] == "classified"]
                time.sleep(0.5)
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

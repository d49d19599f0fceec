"""What the end-to-end tests share: credentials, the workers' environment, sending, the sink's URL."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from planetmail import codec, topics
from planetmail.coordination.client import new_client
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import ENV_API_TOKEN, ENV_WEBHOOK_CREDENTIALS, ENV_ZK_ROOT, Settings
from planetmail_local.bench.follow import wait_for_acknowledgements
from planetmail_local.bench.traffic import (
    CorpusMessage,
    InboundRequest,
    TrafficMix,
    WebhookCredentials,
    load_corpus,
)
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port
from planetmail_local.stack.topics import delete_topics, ensure_topics

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = WebhookCredentials(
    api_token="e2e-token",
    basic={"sendgrid": ("sg-user", "sg-pass"), "postmark": ("pm-user", "pm-pass")},
    mailgun_signing_key="e2e-mailgun-key",
)


def worker_environment(settings: Settings, zk_root: str) -> dict[str, str]:
    """Secrets and endpoints the functions read from their environment (not from the template)."""
    return {
        ENV_API_TOKEN: CREDENTIALS.api_token,
        ENV_WEBHOOK_CREDENTIALS: json.dumps({
            "sendgrid": "sg-user:sg-pass", "postmark": "pm-user:pm-pass", "mailgun": "e2e-mailgun-key"}),
        "AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        ENV_ZK_ROOT: zk_root,
    }


def genuine_corpus() -> list[CorpusMessage]:
    """Spam left out: whether one message is caught is the model's business (tested with the
    processor); the reply policy's auto-replies are the mail that must never be answered."""
    return [m for m in load_corpus(ROOT / "data") if m.category != "spam"]


def send_all(base_url: str, requests: list[InboundRequest]) -> dict[str, bool]:
    """POST every request; tracking id → whether an acknowledgement is expected."""
    accepted: dict[str, bool] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for request in requests:
            response = client.post(request.path, headers=request.headers, content=request.content,
                                   json=request.json_body, data=request.form)
            assert response.status_code == 202, (request.provider, response.text)
            accepted[response.json()["id"]] = request.expects_ack
    return accepted


def viewer_url(settings: Settings) -> str:
    local = json.loads((settings.state_dir / "local.json").read_text(encoding="utf-8"))
    return str(local["smtp_viewer_url"])


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {CREDENTIALS.api_token}"}


def assert_acknowledged_exactly_once(pipeline: str, settings: Settings, messages: int) -> set[str]:
    """Send a mix of genuine mail and auto-replies through the webhooks; every genuine message is
    acknowledged once, nothing else is answered. Returns the acknowledged tracking ids."""
    mix = TrafficMix(genuine_corpus(), CREDENTIALS, auto_reply_share=0.2, seed=11)
    accepted = send_all(pipeline, list(itertools.islice(mix.requests(), messages)))
    expected = {tracking_id for tracking_id, wanted in accepted.items() if wanted}
    unwanted = set(accepted) - expected
    assert expected and unwanted, "the mix must hold both genuine mail and mail that must not be answered"

    viewer = viewer_url(settings)
    deliveries = wait_for_acknowledgements(viewer, expected, deadline=time.time() + 120)
    # Give stragglers (a wrong second email, or an answer to an auto-reply) time to show up.
    time.sleep(3)
    deliveries = wait_for_acknowledgements(viewer, expected, deadline=time.time())

    assert expected <= deliveries.times.keys(), f"never acknowledged: {expected - deliveries.times.keys()}"
    assert not unwanted & deliveries.times.keys(), "auto-replies or spam were answered"
    assert {tid: len(deliveries.times[tid]) for tid in expected} == dict.fromkeys(expected, 1)
    return expected


def states_of(pipeline: str, tracking_id: str) -> list[str]:
    with httpx.Client(base_url=pipeline, timeout=30) as client:
        timeline = client.get(f"/v1/emails/{tracking_id}", headers=bearer())
    assert timeline.status_code == 200, timeline.text
    return [step["state"] for step in timeline.json()["timeline"]]


def category_of_a_complaint(pipeline: str, timeout: float = 60.0) -> list[str]:
    """Send one complaint through a webhook; the categories its ``classified`` steps name."""
    complaints = [m for m in genuine_corpus() if m.category == "complaints"]
    request = next(TrafficMix(complaints, CREDENTIALS, auto_reply_share=0.0, seed=3).requests())
    with httpx.Client(base_url=pipeline, timeout=60) as http:
        accepted = http.post(request.path, headers=request.headers, content=request.content,
                             json=request.json_body, data=request.form)
        assert accepted.status_code == 202, accepted.text
        tracking_id = accepted.json()["id"]
        deadline = time.time() + timeout
        categories: list[str] = []
        while time.time() < deadline and not categories:
            steps = http.get(f"/v1/emails/{tracking_id}", headers=bearer()).json().get("timeline", [])
            categories = [s["detail"].get("category") for s in steps if s["state"] == "classified"]
            time.sleep(0.5)
    return categories


@contextlib.contextmanager
def running_pipeline(settings: Settings, environment: Mapping[str, str], parameters: Mapping[str, str],
                     log_dir: Path) -> Iterator[tuple[str, Emulator]]:
    """planetmail's template in an emulator of its own (every Kafka mapping polling, no schedules),
    the workers given ``environment``: its API gateway URL and the emulator."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    application = load_application(ROOT / "template.yaml", parameter_overrides={
        "KafkaBootstrapServers": settings.kafka_bootstrap, "TopicPrefix": settings.topic_prefix,
        "SmtpHost": settings.smtp_host, "SmtpPort": str(settings.smtp_port), **parameters})
    options = EmulatorOptions(log_dir=log_dir, api_port=free_port(), lambda_port=free_port())
    emulator = Emulator(application, options)
    emulator.start(kafka=True, schedules=False)
    try:
        yield f"http://127.0.0.1:{options.api_port}", emulator
    finally:
        emulator.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclasses.dataclass(frozen=True)
class Pipeline:
    url: str
    """The API gateway's."""
    emulator: Emulator
    settings: Settings
    """The stack's, with the pipeline's own topic prefix and the workers' ZooKeeper root."""


@contextlib.contextmanager
def isolated_pipeline(stack_settings: Settings, name: str, log_dir: Path) -> Iterator[Pipeline]:
    """``running_pipeline`` on topics and a ZooKeeper root of its own (``name`` + this process),
    both removed afterwards."""
    unique = f"{name}{os.getpid()}{int(time.time())}"
    settings = dataclasses.replace(stack_settings, topic_prefix=f"{unique}.", zk_root=f"/planetmail-{unique}")
    ensure_topics(settings)
    try:
        with running_pipeline(settings, worker_environment(settings, settings.zk_root), {}, log_dir) as (
                url, emulator):
            yield Pipeline(url, emulator, settings)
    finally:
        _delete_zk_root(settings)
        delete_topics(settings)


def _delete_zk_root(settings: Settings) -> None:
    client = new_client(settings)
    client.start(timeout=10)
    try:
        client.delete(settings.zk_root, recursive=True)
    finally:
        client.stop()
        client.close()


def lifecycle_events(settings: Settings) -> list[LifecycleEvent]:
    """Every event on the settings' mail.events topic so far (read until 5 s pass without a new one)."""
    consumer = make_consumer(settings, group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=5000)
    consumer.subscribe([settings.topic(topics.EVENTS)])
    try:
        return [codec.decode_as(LifecycleEvent, record.value) for record in consumer]
    finally:
        consumer.close()

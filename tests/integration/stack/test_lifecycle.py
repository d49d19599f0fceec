"""up/status/down/logs of a throwaway instance: reuse, restarts with data kept, health, no orphans."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import uuid
from pathlib import Path

import psutil
import pytest
from stack_instance import environment, throwaway_config

from planetmail.kafka import make_consumer, make_producer
from planetmail.topics import TopicSpec
from planetmail_local.stack import control
from planetmail_local.stack.components import stack_services
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.lifecycle import Origin, ensure_running, stop_service
from planetmail_local.stack.service import planetmail_cli
from planetmail_local.stack.topics import ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def planetmail(config: StackConfig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(planetmail_cli(*args), env=environment(config),
                          capture_output=True, text=True, timeout=180, check=False)


def service(config: StackConfig, name: str):
    return next(s for s in stack_services(config) if s.name == name)


def test_up_again_reuses_every_service_and_keeps_credentials(throwaway_stack: StackConfig) -> None:
    before = json.loads(throwaway_stack.local_file.read_text())
    lines: dict[str, str] = {}
    control.up(throwaway_stack, lines.__setitem__)
    after = json.loads(throwaway_stack.local_file.read_text())
    services = ("zookeeper", "kafka", "moto", "aws", "smtp")
    assert {name: lines[name].split()[0] for name in services} == dict.fromkeys(services, "reused")
    assert after["api_token"] == before["api_token"] and after["webhooks"] == before["webhooks"]
    assert after["kafka_bootstrap"] == throwaway_stack.kafka_bootstrap
    assert after["smtp_viewer_url"] == throwaway_stack.smtp_viewer_url


def test_local_json_lists_every_url_and_credential(throwaway_stack: StackConfig) -> None:
    document = json.loads(throwaway_stack.local_file.read_text())
    for key in ("api_url", "api_token", "kafka_bootstrap", "zookeeper", "aws_endpoint_url", "smtp_host",
                "smtp_port", "smtp_viewer_url", "lambda_url", "dashboard_url", "metrics_url", "webhooks"):
        assert key in document
    assert set(document["webhooks"]) == {"sendgrid", "mailgun", "postmark", "ses"}
    assert throwaway_stack.settings().webhook_secret("sendgrid").reveal().startswith("sendgrid:")


def test_broker_restart_keeps_the_data(throwaway_stack: StackConfig) -> None:
    settings = throwaway_stack.settings()
    topic = f"restart-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [TopicSpec(topic, 1)])
    producer = make_producer(settings)
    producer.send(topic, b"survives a restart").get(timeout=30)
    producer.close()

    kafka = service(throwaway_stack, "kafka")
    assert stop_service(kafka).origin is Origin.STOPPED
    assert not kafka.healthy()
    assert ensure_running(kafka).origin is Origin.STARTED

    consumer = make_consumer(settings, topic, group_id=None, auto_offset_reset="earliest",
                             consumer_timeout_ms=20_000)
    try:
        first = next(consumer)
    finally:
        consumer.close()
    assert (first.offset, first.value) == (0, b"survives a restart")


def test_status_exits_non_zero_when_a_service_is_down(throwaway_stack: StackConfig) -> None:
    healthy = planetmail(throwaway_stack, "status", "--json")
    assert healthy.returncode == 0, healthy.stderr
    assert all(row["healthy"] for row in json.loads(healthy.stdout))

    stop_service(service(throwaway_stack, "smtp"))
    broken = planetmail(throwaway_stack, "status", "--json")
    assert broken.returncode == 1
    assert {row["name"]: row["healthy"] for row in json.loads(broken.stdout)}["smtp"] is False

    assert planetmail(throwaway_stack, "up", "--no-pipeline").returncode == 0
    assert planetmail(throwaway_stack, "status").returncode == 0


def test_logs_prints_the_service_log(throwaway_stack: StackConfig) -> None:
    result = planetmail(throwaway_stack, "logs", "kafka", "-n", "500")
    assert result.returncode == 0
    assert "started (kafka.server.KafkaServer)" in result.stdout


def test_logs_of_an_unknown_service_is_one_line_error(throwaway_stack: StackConfig) -> None:
    result = planetmail(throwaway_stack, "logs", "postgres")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "kafka, aws-packages, moto, aws, smtp" in result.stderr and "kafka-jars" in result.stderr


def test_down_stops_everything_and_leaves_no_orphans(tmp_path) -> None:
    config = throwaway_config(tmp_path / ".planetmail")
    up = planetmail(config, "up", "--no-pipeline")
    assert up.returncode == 0, up.stderr
    pids = [state.pid for state in control.status(config)]
    assert all(pids)
    processes = [psutil.Process(pid) for pid in pids if pid]
    children = [child for process in processes for child in process.children(recursive=True)]

    down = planetmail(config, "down", "--purge")

    assert down.returncode == 0, down.stderr
    assert not [p for p in processes + children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not config.data_dir.exists()
    assert planetmail(config, "status").returncode == 1


def test_healthy_services_started_elsewhere_are_used_but_never_stopped(
    throwaway_stack: StackConfig, tmp_path: Path
) -> None:
    other = dataclasses.replace(throwaway_stack, state_dir=tmp_path / "other")
    states = [ensure_running(s) for s in stack_services(other)]
    assert {s.origin for s in states} == {Origin.EXTERNAL}
    assert [s.pid for s in states] == [s.pid for s in control.status(throwaway_stack)]

    control.down(other)

    assert all(s.healthy for s in control.status(throwaway_stack))
    assert planetmail(other, "status").stdout.count("someone else (reused)") == len(states)

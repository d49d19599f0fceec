"""`planetmail metrics`: from a running dashboard, and straight from Kafka when none answers."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner

from planetmail.inbound import utcnow
from planetmail.kafka import make_producer
from planetmail.settings import ENV_TOPIC_PREFIX, Settings
from planetmail_local.cli.main import cli
from planetmail_local.observability import Observatory
from planetmail_local.observability.server import serve_in_background
from planetmail_local.observability.synthetic import message_events, publish

pytestmark = pytest.mark.integration


@pytest.fixture
def flowed(isolated_settings: Settings) -> Settings:
    producer = make_producer(isolated_settings)
    received = utcnow() - timedelta(seconds=30)
    publish(isolated_settings, producer,
            message_events(received, latency=timedelta(seconds=1.5), category="complaints")
            + message_events(received, latency=timedelta(seconds=1), outcome="failed",
                             reason="model_missing"))
    producer.close()
    return isolated_settings


def free_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_metrics_from_the_dashboard(flowed: Settings):
    with Observatory(flowed) as observatory, serve_in_background(observatory) as url:
        assert observatory.feed.caught_up.wait(20)
        result = CliRunner().invoke(cli, ["metrics", "--url", url])
    assert result.exit_code == 0, result.output
    assert "end-to-end p50" in result.output
    assert "1.500 s" in result.output
    assert "failed: processor: model_missing" in result.output
    assert f"source: {url}" in result.output


def test_metrics_straight_from_kafka_when_no_dashboard_answers(flowed: Settings, monkeypatch):
    monkeypatch.setenv(ENV_TOPIC_PREFIX, flowed.topic_prefix)
    url = free_url()
    result = CliRunner().invoke(cli, ["metrics", "--url", url, "--window", "5"])
    assert result.exit_code == 0, result.output
    assert "1.500 s" in result.output
    assert f"source: Kafka (no dashboard at {url})" in result.output


def test_a_url_that_is_not_a_dashboard_is_one_line_error(flowed: Settings):
    with Observatory(flowed) as observatory, serve_in_background(observatory) as url:
        result = CliRunner().invoke(cli, ["metrics", "--url", f"{url}/nowhere"])
    assert result.exit_code == 2
    expected = (f"planetmail: error: {url}/nowhere/api/metrics answered 404; "
                "check --url points at a planetmail dashboard")
    assert result.output.strip().splitlines() == [expected]


def test_without_dashboard_or_events_topic_the_error_names_the_fix(stack_settings: Settings, monkeypatch):
    monkeypatch.setenv(ENV_TOPIC_PREFIX, "never-created.")
    result = CliRunner().invoke(cli, ["metrics", "--url", free_url()])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "planetmail: error: topic never-created.mail.events does not exist; "
        "run 'planetmail up' to create the pipeline's topics"]

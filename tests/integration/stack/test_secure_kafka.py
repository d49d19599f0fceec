"""``planetmail up --secure`` on a throwaway instance: Kafka speaks only SASL_SSL (SCRAM-SHA-512, local CA)
and every client built from that instance's Settings connects that way; nothing else gets in."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaError
from stack_instance import environment, throwaway_config

from planetmail import aws
from planetmail.kafka import make_admin, make_consumer, make_producer
from planetmail.settings import (
    ENV_AWS_ENDPOINT_URL,
    ENV_AWS_REGION,
    ENV_KAFKA_BOOTSTRAP,
    ENV_KAFKA_ROOT_CA_SECRET_ARN,
    ENV_KAFKA_SASL_SECRET_ARN,
    ENV_KAFKA_SECURITY_PROTOCOL,
    ENV_STATE_DIR,
    Secret,
    Settings,
)
from planetmail.topics import TopicSpec
from planetmail_local.bench import emulator as emulator_bench
from planetmail_local.emulator.model import FunctionSpec
from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.probes import kafka_serving
from planetmail_local.stack.service import planetmail_cli
from planetmail_local.stack.topics import ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REFUSED_WITHIN_MS = 3000
INVALID_CREDENTIALS = "due to invalid credentials with SASL mechanism SCRAM-SHA-512"
SSL_HANDSHAKE_FAILED = "(SSL handshake failed)"


@pytest.fixture(scope="module")
def secure_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    config = dataclasses.replace(throwaway_config(tmp_path_factory.mktemp("secure") / ".planetmail"),
                                 secure=True)
    with control.running(config):
        yield config


@pytest.fixture(scope="module")
def client_settings(secure_stack: StackConfig) -> Settings:
    """What any planetmail process pointed at the instance loads: only its environment, no overrides."""
    return Settings.load(environ=secure_stack.environment())


def test_local_json_switches_every_client_to_sasl_ssl(secure_stack: StackConfig,
                                                      client_settings: Settings) -> None:
    assert client_settings.kafka_security_protocol == "SASL_SSL"
    assert client_settings.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert client_settings.kafka_sasl_username == "planetmail"
    assert len(client_settings.kafka_sasl_password.reveal()) >= 24
    assert Path(client_settings.kafka_ssl_cafile or "").is_file()
    assert secure_stack.local_file.stat().st_mode & 0o777 == 0o600
    assert StackConfig.from_settings(client_settings).secure, "a later plain 'up' must stay secure"


def test_generated_passwords_never_reach_a_log(secure_stack: StackConfig) -> None:
    local = json.loads(secure_stack.local_file.read_text())
    passwords = [local["kafka_sasl_password"], local["kafka_broker_password"]]
    logs = {path.name: path.read_text(errors="replace") for path in secure_stack.logs_dir.glob("*.log")}
    assert {"kafka.log", "kafka-security.log"} <= set(logs)
    assert [name for name, text in logs.items() if any(p in text for p in passwords)] == []


def test_factory_clients_round_trip_a_record(client_settings: Settings) -> None:
    round_trip(client_settings)


def round_trip(settings: Settings) -> None:
    """A record through a fresh topic with the factory's admin, producer and consumer."""
    topic = f"secure-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [TopicSpec(topic, 1)])
    producer = make_producer(settings)
    try:
        producer.send(topic, b"over SASL_SSL").get(timeout=30)
    finally:
        producer.close()
    consumer = make_consumer(settings, topic, group_id=None, consumer_timeout_ms=20_000)
    try:
        assert next(consumer).value == b"over SASL_SSL"
    finally:
        consumer.close()


def test_a_function_given_only_secret_arns_connects_as_on_aws(client_settings: Settings,
                                                              tmp_path: Path) -> None:
    """On AWS a function gets the ARNs of the SASL login and of the private root CA (the template's
    KafkaSaslSecretArn, KafkaRootCaSecretArn), never their values, and no local.json."""
    manager = aws.client("secretsmanager", client_settings)
    name = f"planetmail-secure-{uuid.uuid4().hex[:8]}"
    login = manager.create_secret(Name=f"{name}/kafka", SecretString=json.dumps({
        "username": client_settings.kafka_sasl_username,
        "password": client_settings.kafka_sasl_password.reveal()}))["ARN"]
    ca = manager.create_secret(Name=f"{name}/ca", SecretString=json.dumps({
        "certificate": Path(client_settings.kafka_ssl_cafile or "").read_text(encoding="utf-8")}))["ARN"]
    on_aws = Settings.load(environ={
        ENV_STATE_DIR: str(tmp_path), ENV_KAFKA_BOOTSTRAP: client_settings.kafka_bootstrap,
        ENV_KAFKA_SECURITY_PROTOCOL: "SASL_SSL", ENV_KAFKA_SASL_SECRET_ARN: login,
        ENV_KAFKA_ROOT_CA_SECRET_ARN: ca, ENV_AWS_ENDPOINT_URL: str(client_settings.aws_endpoint_url),
        ENV_AWS_REGION: client_settings.aws_region})
    assert on_aws.kafka_ssl_cafile != client_settings.kafka_ssl_cafile  # its own copy, from the secret
    round_trip(on_aws)


def test_emulator_benchmark_runs_against_the_secure_broker(client_settings: Settings, tmp_path: Path) -> None:
    """Its event-source mapping, bare consumer, producer and admin all connect as planetmail clients do."""
    (tmp_path / "noop.py").write_text(emulator_bench.NOOP_HANDLER)
    spec = FunctionSpec(name="Noop", handler="noop.handler", code_dir=tmp_path, timeout_seconds=30)
    figures = emulator_bench.throughput_figures(spec, tmp_path / "logs", client_settings, records=200)
    assert figures["records"] == 200
    assert figures["esm_per_s"] > 0 and figures["bare_consumer_per_s"] > 0


def test_a_wrong_password_is_refused(secure_stack: StackConfig, client_settings: Settings) -> None:
    wrong = dataclasses.replace(client_settings, kafka_sasl_password=Secret("not-the-password"))
    with broker_log_grows(secure_stack, INVALID_CREDENTIALS):
        assert_cannot_bootstrap(wrong)


def test_a_plaintext_client_gets_nothing_from_the_secure_port(secure_stack: StackConfig,
                                                              client_settings: Settings) -> None:
    plaintext = dataclasses.replace(client_settings, kafka_security_protocol="PLAINTEXT")
    with broker_log_grows(secure_stack, SSL_HANDSHAKE_FAILED):
        assert_cannot_bootstrap(plaintext)


def test_a_client_without_the_local_ca_rejects_the_broker_certificate(
    client_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    without_ca = dataclasses.replace(client_settings, kafka_ssl_cafile=None)
    with caplog.at_level(logging.WARNING, logger="kafka"):
        assert_cannot_bootstrap(without_ca)
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_status_probe_reports_the_secure_broker_healthy(secure_stack: StackConfig,
                                                        client_settings: Settings) -> None:
    result = planetmail(secure_stack, "status", "--json")
    health = {state["name"]: state["healthy"] for state in json.loads(result.stdout)}
    assert health["kafka"] is True, result.stderr
    assert result.returncode == 0
    assert not kafka_serving(dataclasses.replace(client_settings, kafka_security_protocol="PLAINTEXT"))


def test_cli_up_refuses_to_switch_a_running_broker_to_plaintext(secure_stack: StackConfig) -> None:
    switch = planetmail(secure_stack, "up", "--plaintext", "--no-pipeline")
    assert switch.returncode == 2
    assert switch.stderr.strip().count("\n") == 0
    assert "runs SASL_SSL; run 'planetmail down' then 'planetmail up --plaintext'" in switch.stderr
    assert json.loads(secure_stack.local_file.read_text())["kafka_security_protocol"] == "SASL_SSL"


def planetmail(config: StackConfig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(planetmail_cli(*args), env=environment(config), capture_output=True, text=True,
                          timeout=120, check=False)


def assert_cannot_bootstrap(settings: Settings) -> None:
    with pytest.raises(KafkaError):
        make_admin(settings, bootstrap_timeout_ms=REFUSED_WITHIN_MS, request_timeout_ms=REFUSED_WITHIN_MS)


@contextlib.contextmanager
def broker_log_grows(config: StackConfig, reason: str) -> Iterator[None]:
    """Asserts the broker logged ``reason`` again while the block ran (the refusal's cause, not a guess)."""
    log = config.log_file("kafka")
    before = log.read_text(errors="replace").count(reason)
    yield
    deadline = time.monotonic() + 5
    while log.read_text(errors="replace").count(reason) <= before:
        assert time.monotonic() < deadline, f"the broker never logged {reason!r}"
        time.sleep(0.2)

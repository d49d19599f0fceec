"""The collector behind the project's API-gateway emulator, as ``planetmail start`` runs it: the
functions of a SAM template in worker processes, HTTP API events built by the gateway."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from planetmail.settings import Settings
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


def template_parameters(settings: Settings) -> dict[str, str]:
    return {
        "KafkaBootstrapServers": settings.kafka_bootstrap,
        "TopicPrefix": settings.topic_prefix,
        "StatusTableName": settings.status_table,
        "IdempotencyTableName": settings.idempotency_table,
        "RawBucketName": settings.raw_bucket,
        "Coordination": "aws" if settings.coordination == "dynamodb" else "zookeeper",
    }


@contextmanager
def patched_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Worker processes inherit the emulator's environment (secrets and endpoints not in the template)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def gateway(
    template: Path, log_dir: Path, parameters: Mapping[str, str], environment: Mapping[str, str]
) -> Iterator[str]:
    """The base URL of the emulator's API gateway serving ``template``; stopped afterwards."""
    application = load_application(template, parameter_overrides=dict(parameters))
    options = EmulatorOptions(log_dir=log_dir, api_port=free_port(), lambda_port=free_port())
    with patched_environment(environment):
        emulator = Emulator(application, options)
        emulator.start(kafka=False, schedules=False)
        try:
            url = f"http://127.0.0.1:{options.api_port}"
            _wait_until_listening(url)
            yield url
        finally:
            emulator.stop()


def _wait_until_listening(url: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/not-a-route", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"the API gateway at {url} did not answer")

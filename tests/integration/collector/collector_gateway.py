"""The collector behind the project's API-gateway emulator, as ``planetmail start`` runs it: the
functions of a SAM template in worker processes, HTTP API events built by the gateway."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from planetmail.settings import Settings
from planetmail_local.emulator.template import load_application
from planetmail_local.fuzz_intake import serving

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


def template_parameters(settings: Settings) -> dict[str, str]:
    return {
        "KafkaBootstrapServers": settings.kafka_bootstrap,
        "TopicPrefix": settings.topic_prefix,
        "StatusTableName": settings.status_table,
        "IdempotencyTableName": settings.idempotency_table,
        "RawBucketName": settings.raw_bucket,
        "Coordination": "aws" if settings.coordination == "dynamodb" else "zookeeper",
        "SesTopicArns": settings.sns_topic_arns,
        "SesMinSignatureVersion": str(settings.sns_min_signature_version),
        "SesInboundBucketName": settings.ses_bucket,
        "SesObjectPrefix": settings.ses_prefix,
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
    with serving(application, log_dir, environment) as url:
        yield url

"""Uniquely named Kafka topics, bucket and tables for one collector, on the running local stack;
shared by the tests' fixtures and the benchmark."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
import uuid

from planetmail import aws, topics
from planetmail.settings import Secret, Settings
from planetmail.status import STATUS_TABLE_KEYS
from planetmail.topics import contract_topics
from planetmail_local.stack.topics import ensure_topics

API_TOKEN = "test-token-" + uuid.uuid4().hex
CREDENTIALS = {"sendgrid": "sg-user:sg-pass", "postmark": "pm-user:pm-pass", "mailgun": "key-mailgun-test"}
SNS_TOPIC_ARNS = ",".join(f"arn:aws:sns:eu-west-1:111111111111:{name}"
                          for name in ("example-topic", "recognized-topic"))
"""The topics of the SES fixtures (tests/fixtures/providers/ses): the collector's allow-list."""
SES_BUCKET = "yourapp-uploads20200818192940697500000001"
"""The bucket the fixture S3-action notification names."""
IDEMPOTENCY_KEYS = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
}


def provision(base: Settings, sns_cert_dir: str | None = None) -> Settings:
    suffix = uuid.uuid4().hex[:10]
    settings = dataclasses.replace(
        base,
        topic_prefix=f"t{suffix}.",
        raw_bucket=f"collector-raw-{suffix}",
        status_table=f"collector-status-{suffix}",
        idempotency_table=f"collector-idem-{suffix}",
        api_token=Secret(API_TOKEN),
        webhook_credentials={name: Secret(value) for name, value in CREDENTIALS.items()},
        sns_cert_dir=sns_cert_dir,
        sns_topic_arns=SNS_TOPIC_ARNS,
        sns_min_signature_version=1,  # the real SES captures are SignatureVersion 1 (SNS's default)
        ses_bucket=SES_BUCKET,
    )
    wanted = (topics.RECEIVED, topics.EVENTS)
    ensure_topics(settings, [spec for spec in contract_topics() if spec.name in wanted])
    s3, dynamodb = aws.client("s3", settings), aws.client("dynamodb", settings)
    s3.create_bucket(Bucket=settings.raw_bucket)
    dynamodb.create_table(TableName=settings.status_table, BillingMode="PAY_PER_REQUEST", **STATUS_TABLE_KEYS)
    dynamodb.create_table(
        TableName=settings.idempotency_table, BillingMode="PAY_PER_REQUEST", **IDEMPOTENCY_KEYS
    )
    return settings


def remove(settings: Settings) -> None:
    s3, dynamodb = aws.client("s3", settings), aws.client("dynamodb", settings)
    dynamodb.delete_table(TableName=settings.status_table)
    dynamodb.delete_table(TableName=settings.idempotency_table)
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.raw_bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=settings.raw_bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=settings.raw_bucket)


def environment(settings: Settings) -> dict[str, str]:
    """The PLANETMAIL_* variables that make ``Settings.load()`` in another process equal ``settings``."""
    credentials = {name: secret.reveal() for name, secret in settings.webhook_credentials.items()}
    return {
        "PLANETMAIL_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "PLANETMAIL_TOPIC_PREFIX": settings.topic_prefix,
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "PLANETMAIL_RAW_BUCKET": settings.raw_bucket,
        "PLANETMAIL_STATUS_TABLE": settings.status_table,
        "PLANETMAIL_IDEMPOTENCY_TABLE": settings.idempotency_table,
        "PLANETMAIL_API_TOKEN": settings.api_token.reveal(),
        "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps(credentials),
        "PLANETMAIL_SNS_TOPIC_ARNS": settings.sns_topic_arns,
        "PLANETMAIL_SNS_MIN_SIGNATURE_VERSION": str(settings.sns_min_signature_version),
        "PLANETMAIL_SES_BUCKET": settings.ses_bucket,
        "PLANETMAIL_SES_PREFIX": settings.ses_prefix,
    }


def wait_for_port(port: int, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")

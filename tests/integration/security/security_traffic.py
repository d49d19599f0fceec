"""What the security tests send and what they look for afterwards: requests for every route with
missing, wrong or right credentials, and the footprint a request leaves on Kafka, S3 and DynamoDB."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import collector_stack
import httpx
from collector_gateway import TEMPLATE, gateway, template_parameters
from collector_payloads import (
    API_TOKEN,
    CREDENTIALS,
    FIXTURES,
    SNS_CERT_NAME,
    fixture_bytes,
    mailgun_form,
    sign_sns,
    sns_timestamp,
)
from kafka import TopicPartition

from planetmail import aws, codec, topics
from planetmail.inbound import InboundEmail
from planetmail.kafka import make_consumer
from planetmail.settings import Settings
from planetmail_local.bench.traffic import CorpusMessage, InboundRequest, TrafficMix, WebhookCredentials
from planetmail_local.stack.topics import delete_topics, topic_values

READ = "read"
MESSAGE = CorpusMessage("en", "questions", "When does the Sunday edition arrive?", "Is it 7 am or 9 am?")


def user_password(credentials: str) -> tuple[str, str]:
    """``user:password`` as the pair ``WebhookCredentials.basic`` holds."""
    user, _, password = credentials.partition(":")
    return user, password


RIGHT = WebhookCredentials(
    api_token=API_TOKEN,
    basic={provider: user_password(CREDENTIALS[provider]) for provider in ("sendgrid", "postmark")},
    mailgun_signing_key=CREDENTIALS["mailgun"],
)
WRONG = WebhookCredentials(
    api_token="not-the-token",
    basic={"sendgrid": ("sg-user", "not-the-password"), "postmark": ("pm-user", "not-the-password")},
    mailgun_signing_key="not-the-signing-key",
)


def provider_requests(credentials: WebhookCredentials) -> dict[str, InboundRequest]:
    """One genuine message per HTTP provider (api, postmark, sendgrid, mailgun) with ``credentials``."""
    mix = TrafficMix([MESSAGE], credentials, auto_reply_share=0.0, run_id=uuid.uuid4().hex[:6])
    requests: Iterator[InboundRequest] = mix.requests()
    return {request.provider: request for request in (next(requests) for _ in range(4))}


def with_headers(request: InboundRequest, headers: dict[str, str]) -> InboundRequest:
    """``request`` with its Authorization replaced by ``headers`` (none when empty)."""
    kept = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
    return dataclasses.replace(request, headers={**kept, **headers})


def other_route_credentials(request: InboundRequest, provider: str) -> InboundRequest:
    """``request`` carrying the right Basic credentials of another provider's webhook."""
    return with_headers(request, provider_requests(RIGHT)[provider].headers)


def unsigned_mailgun(request: InboundRequest) -> InboundRequest:
    form = {k: v for k, v in (request.form or {}).items() if k not in ("timestamp", "token", "signature")}
    return dataclasses.replace(request, form=form)


def mailgun_request(fields: dict[str, str], **signing: Any) -> InboundRequest:
    """A Mailgun route forward signed with ``mailgun_form`` (key, timestamp and token overridable)."""
    return InboundRequest("mailgun", "/webhooks/mailgun", {}, form=mailgun_form(fields, **signing))


def ses_document() -> dict[str, str]:
    """The SES receipt notification fixture with a fresh SES message id, signed with the fixture key."""
    document = json.loads(fixture_bytes("ses/inbound_email.json"))
    notification = json.loads(document["Message"])
    notification["mail"]["messageId"] = uuid.uuid4().hex
    signed: dict[str, str] = sign_sns({**document, "Message": json.dumps(notification)})
    return signed


def ses_request(document: dict[str, str]) -> InboundRequest:
    body = json.dumps(document).encode()
    return InboundRequest("ses", "/webhooks/ses", {"Content-Type": "text/plain; charset=UTF-8"}, content=body)


@dataclasses.dataclass(frozen=True)
class GatewayCollector:
    settings: Settings
    url: str


@contextmanager
def collector_behind_gateway(stack: Settings, work_dir: Path) -> Iterator[GatewayCollector]:
    """template.yaml's CollectorFunction behind the API-gateway emulator, on topics, a bucket and
    tables of its own, trusting the SNS fixture certificate; all removed afterwards."""
    trust = work_dir / "sns-certs"
    trust.mkdir()
    shutil.copy(FIXTURES / "ses" / "certificate.pem", trust / SNS_CERT_NAME)
    settings = collector_stack.provision(stack, sns_cert_dir=str(trust))
    environment = {**collector_stack.environment(settings), "PLANETMAIL_SNS_CERT_DIR": str(trust)}
    try:
        with gateway(TEMPLATE, work_dir, template_parameters(settings), environment) as url:
            yield GatewayCollector(settings, url)
    finally:
        collector_stack.remove(settings)
        delete_topics(settings)


def ses_tampered() -> InboundRequest:
    """Signed, then the message changed: the signature no longer covers what is sent."""
    document = ses_document()
    return ses_request({**document, "Message": document["Message"].replace("testing", "tampered")})


def ses_without_signature() -> InboundRequest:
    return ses_request({k: v for k, v in ses_document().items() if k != "Signature"})


def ses_foreign_certificate() -> InboundRequest:
    url = "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem"
    return ses_request({**ses_document(), "SigningCertURL": url})


def ses_fixture_request(name: str) -> InboundRequest:
    """The fixture as it is, but with a current Timestamp (not signed again): the collector refuses
    messages over an hour old before it looks at the signature."""
    document = {**json.loads(fixture_bytes(name)), "Timestamp": sns_timestamp(time.time())}
    return InboundRequest("ses", "/webhooks/ses", {"Content-Type": "text/plain; charset=UTF-8"},
                          content=json.dumps(document).encode())


def read_request(path: str, headers: dict[str, str]) -> InboundRequest:
    """A GET (status timeline, health), told apart from the providers' POSTs by its provider name."""
    return InboundRequest(READ, path, headers)


def send(base_url: str, request: InboundRequest) -> httpx.Response:
    if request.provider == READ:
        return httpx.get(base_url + request.path, headers=request.headers, timeout=30)
    return httpx.post(base_url + request.path, headers=request.headers, content=request.content,
                      json=request.json_body, data=request.form, timeout=30)


@dataclasses.dataclass(frozen=True)
class Footprint:
    """How much the collector has written: records on its topics, raw objects, status rows."""

    received: int
    events: int
    raw_objects: int
    status_rows: int


NO_FOOTPRINT = Footprint(0, 0, 0, 0)


def footprint(settings: Settings) -> Footprint:
    s3, dynamodb = aws.client("s3", settings), aws.client("dynamodb", settings)
    return Footprint(
        received=_records_written(settings, topics.RECEIVED),
        events=_records_written(settings, topics.EVENTS),
        raw_objects=int(s3.list_objects_v2(Bucket=settings.raw_bucket).get("KeyCount", 0)),
        status_rows=int(dynamodb.scan(TableName=settings.status_table, Select="COUNT")["Count"]),
    )


def received_ids(settings: Settings) -> set[str]:
    """The tracking ids of every record on the prefix's mail.received."""
    return {codec.decode_as(InboundEmail, value).id for value in topic_values(settings, topics.RECEIVED)}


def _records_written(settings: Settings, name: str) -> int:
    consumer = make_consumer(settings, group_id=None)
    try:
        return sum(consumer.end_offsets(_partitions(consumer, settings.topic(name))).values())
    finally:
        consumer.close()


def _partitions(consumer: Any, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]

"""Hostile mail through the real API gateway into a throwaway collector: what ``planetmail fuzz-intake``
runs and measures.

The collector is this checkout's ``template.yaml`` CollectorFunction on the emulator (worker processes,
HTTP API events, Lambda's payload limits), on free ports, with its own topic prefix, bucket and tables on
the running stack, removed afterwards. Each case is one POST; the figures are the HTTP outcomes, the
dropped connections and the collector's own duration per invocation (the emulator's REPORT lines).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from unittest import mock

import httpx
from botocore.exceptions import BotoCoreError, ClientError
from kafka.errors import KafkaError

from planetmail import aws, topics
from planetmail.kafka import make_admin
from planetmail.settings import Secret, Settings
from planetmail.status import STATUS_TABLE_KEYS
from planetmail.topics import contract_topics
from planetmail_local import hostile
from planetmail_local.emulator.model import Application
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.emulator.yaml_loader import load_template_document
from planetmail_local.stack.config import REPO_ROOT, free_port
from planetmail_local.stack.topics import ensure_topics

TEMPLATE = REPO_ROOT / "template.yaml"
FUNCTION = "CollectorFunction"
SNS_TOPIC = "arn:aws:sns:us-east-1:123456789012:planetmail-fuzz"
_ID_KEY = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
           "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
"""The idempotency table's key (localstack/bootstrap.py creates the stack's own)."""
_REPORT = re.compile(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms")


@dataclasses.dataclass
class FuzzReport:
    cases: int = 0
    ok_2xx: int = 0
    client_4xx: int = 0
    server_5xx: int = 0
    dropped: int = 0
    max_wall_ms: float = 0.0
    max_collector_ms: float = 0.0
    slowest_case: str = ""
    by_status: dict[int, int] = dataclasses.field(default_factory=dict)
    failures: list[str] = dataclasses.field(default_factory=list)
    """Names of the cases that got a 5xx or no answer (at most 20)."""

    def add(self, name: str, status: int | None, wall_ms: float) -> None:
        self.cases += 1
        if status is None:
            self.dropped += 1
        else:
            self.by_status[status] = self.by_status.get(status, 0) + 1
            self.ok_2xx += 200 <= status < 300
            self.client_4xx += 400 <= status < 500
            self.server_5xx += status >= 500
        if (status is None or status >= 500) and len(self.failures) < 20:
            self.failures.append(f"{name}: {status or 'dropped'}")
        if wall_ms > self.max_wall_ms:
            self.max_wall_ms, self.slowest_case = wall_ms, name

    @property
    def passed(self) -> bool:
        return self.server_5xx == 0 and self.dropped == 0


def isolated_settings(base: Settings, trust_dir: Path) -> Settings:
    suffix = uuid.uuid4().hex[:10]
    return dataclasses.replace(
        base, topic_prefix=f"fuzz{suffix}.", raw_bucket=f"fuzz-raw-{suffix}",
        status_table=f"fuzz-status-{suffix}", idempotency_table=f"fuzz-idem-{suffix}",
        api_token=Secret(secrets.token_hex(16)), sns_topic_arns=SNS_TOPIC, sns_cert_dir=str(trust_dir),
        webhook_credentials={"sendgrid": Secret(f"sg:{secrets.token_hex(8)}"),
                             "postmark": Secret(f"pm:{secrets.token_hex(8)}"),
                             "mailgun": Secret(secrets.token_hex(16))},
    )


@contextmanager
def provisioned(settings: Settings) -> Iterator[None]:
    """Topics, bucket and tables of their own on the running stack; deleted afterwards."""
    names = (topics.RECEIVED, topics.EVENTS, topics.DLQ)
    ensure_topics(settings, [spec for spec in contract_topics() if spec.name in names])
    aws.client("s3", settings).create_bucket(Bucket=settings.raw_bucket)
    dynamodb = aws.client("dynamodb", settings)
    for table, keys in ((settings.status_table, STATUS_TABLE_KEYS), (settings.idempotency_table, _ID_KEY)):
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **keys)
    try:
        yield
    finally:
        _remove(settings, [settings.topic(name) for name in names])


def _remove(settings: Settings, topic_names: list[str]) -> None:
    with suppress(ClientError, BotoCoreError):
        dynamodb = aws.client("dynamodb", settings)
        for table in (settings.status_table, settings.idempotency_table):
            dynamodb.delete_table(TableName=table)
    with suppress(ClientError, BotoCoreError):
        s3 = aws.client("s3", settings)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.raw_bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=settings.raw_bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=settings.raw_bucket)
    with suppress(KafkaError):
        admin = make_admin(settings)
        admin.delete_topics(topic_names)
        admin.close()


def collector_environment(settings: Settings) -> dict[str, str]:
    credentials = {name: secret.reveal() for name, secret in settings.webhook_credentials.items()}
    return {
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "PLANETMAIL_API_TOKEN": settings.api_token.reveal(),
        "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps(credentials),
        "PLANETMAIL_SNS_CERT_DIR": settings.sns_cert_dir or "",
    }


@contextmanager
def collector_gateway(settings: Settings, log_dir: Path, template: Path = TEMPLATE) -> Iterator[str]:
    """The CollectorFunction of ``template`` (another checkout's for a baseline) behind the gateway."""
    parameters = {
        "KafkaBootstrapServers": settings.kafka_bootstrap, "TopicPrefix": settings.topic_prefix,
        "StatusTableName": settings.status_table, "IdempotencyTableName": settings.idempotency_table,
        "RawBucketName": settings.raw_bucket, "SesTopicArns": SNS_TOPIC,
    }
    declared = load_template_document(template).get("Parameters", {})
    application = load_application(template, parameter_overrides={
        name: value for name, value in parameters.items() if name in declared})
    with serving(application, log_dir, collector_environment(settings)) as url:
        yield url


@contextmanager
def serving(application: Application, log_dir: Path, environment: Mapping[str, str]) -> Iterator[str]:
    """The base URL of the emulator's API gateway serving ``application`` on a free port, with
    ``environment`` added to what its workers inherit (what the template does not set: secrets, the
    local endpoint); stopped afterwards."""
    options = EmulatorOptions(log_dir=log_dir, api_port=free_port(), lambda_port=free_port())
    with mock.patch.dict(os.environ, environment):
        emulator = Emulator(application, options)
        emulator.start(kafka=False, schedules=False)
        try:
            url = f"http://127.0.0.1:{options.api_port}"
            _wait_for(url)
            yield url
        finally:
            emulator.stop()


def _wait_for(url: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with suppress(httpx.TransportError):
            httpx.get(f"{url}/", timeout=5)  # any answer, a 404 included: the gateway listens
            return
        time.sleep(0.2)
    raise RuntimeError(f"the emulator's gateway at {url} did not answer within {timeout_s:.0f} s")


def credentials_for(settings: Settings, trust_dir: Path) -> hostile.Credentials:
    key, url = hostile.sns_signer(trust_dir)
    hooks = settings.webhook_credentials
    return hostile.Credentials(api_token=settings.api_token.reveal(), sendgrid=hooks["sendgrid"].reveal(),
                               postmark=hooks["postmark"].reveal(), mailgun_key=hooks["mailgun"].reveal(),
                               sns_key=key, sns_cert_url=url, sns_topic=SNS_TOPIC)


def run(base: Settings, count: int, seed: int, progress: Callable[[FuzzReport], None],
        template: Path = TEMPLATE, routes: tuple[str, ...] = tuple(hostile.WRAPPERS)) -> FuzzReport:
    """``count`` cases through ``routes`` of the collector that ``template`` defines."""
    report = FuzzReport()
    with tempfile.TemporaryDirectory(prefix="planetmail-fuzz-") as work:
        trust_dir, log_dir = Path(work) / "trust", Path(work) / "logs"
        settings = isolated_settings(base, trust_dir)
        creds = credentials_for(settings, trust_dir)
        with (provisioned(settings), collector_gateway(settings, log_dir, template) as url,
              httpx.Client(timeout=60) as http):
            for case in hostile.cases(creds, count, seed, routes):
                report.add(case.name, *_post(http, url, case))
                if report.cases % 25 == 0:
                    progress(report)
        report.max_collector_ms = max_report_duration(log_dir / f"{FUNCTION}.log")
    return report


def _post(http: httpx.Client, url: str, case: hostile.HttpCase) -> tuple[int | None, float]:
    started = time.perf_counter()
    try:
        status: int | None = http.post(url + case.path, headers=case.headers, content=case.body).status_code
    except httpx.TransportError:
        status = None
    return status, (time.perf_counter() - started) * 1000


def max_report_duration(log: Path) -> float:
    """The longest ``Duration`` of the function's REPORT lines: its time per invocation, without the
    gateway, the HTTP client and the event's transport."""
    if not log.is_file():
        return 0.0
    return max((float(found) for found in _REPORT.findall(log.read_text(errors="replace"))), default=0.0)

"""AWS cost on paper: ``python -m planetmail_local.bench.aws_cost [--messages N]`` (stack up first).

Runs N messages of the benchmark's traffic mix (webhooks of every provider, some auto-replies)
through template.yaml in an emulator of its own in AWS mode (Coordination=aws), on fresh topics,
tables and SSM parameter, with every AWS call passing a counting proxy. Per message it then prints
what AWS bills: Lambda requests and GB-seconds per function (the emulator's REPORT lines, so this
machine's durations), HTTP API requests, DynamoDB request units, S3 requests, Kafka records and bytes,
log bytes; and the on-demand cost per million messages at the list prices in ``PRICES``.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx

from planetmail import aws
from planetmail.config import render_document
from planetmail.kafka import make_consumer
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS
from planetmail_local.bench.aws_calls import CountingProxy
from planetmail_local.bench.follow import wait_for_acknowledgements
from planetmail_local.bench.traffic import TrafficMix, WebhookCredentials, load_corpus
from planetmail_local.emulator.model import KafkaMapping
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import REPO_ROOT, free_port
from planetmail_local.stack.emulator_service import NO_ZOOKEEPER
from planetmail_local.stack.topics import delete_topics, ensure_topics

PRICES = {
    # us-east-1 on-demand list prices (USD) as known 2026-12; check aws.amazon.com/pricing before budgeting.
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    "http_api_request": 1.00 / 1e6,
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1e3,
    "s3_get": 0.0004 / 1e3,
    "kafka_gb_in": 0.10,  # MSK Serverless data in; data out 0.05/GB; cluster and partition hours are fixed
    "kafka_gb_out": 0.05,
    "log_gb": 0.50,  # CloudWatch Logs ingestion
    "ses_email": 0.10 / 1e3,  # only with MailTransport=ses
}
_REPORT = re.compile(r"Billed Duration: (\d+) ms\tMemory Size: (\d+) MB")
CREDENTIALS = WebhookCredentials(api_token=f"cost-{uuid.uuid4().hex}",
                                 basic={"sendgrid": ("sg", "sg-pass"), "postmark": ("pm", "pm-pass")},
                                 mailgun_signing_key="cost-mailgun-key")


@dataclasses.dataclass
class Measurement:
    messages: int
    expected: int
    """Messages that want an acknowledgement (the rest are auto-replies, which must get none)."""
    acknowledged: int
    aws_calls: collections.Counter[str]
    lambda_usage: dict[str, tuple[int, float]]
    """function → (invocations, GB-seconds)."""
    kafka: dict[str, tuple[int, int]]
    """topic → (records, bytes)."""
    log_bytes: int
    readers: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    """topic → how many of the template's Kafka mappings read it (each read is MSK data out)."""


def isolated(settings: Settings) -> Settings:
    suffix = uuid.uuid4().hex[:10]
    return dataclasses.replace(
        settings, topic_prefix=f"cost{suffix}.", status_table=f"cost-status-{suffix}",
        idempotency_table=f"cost-idem-{suffix}", raw_bucket=f"cost-raw-{suffix}",
        config_parameter=f"/planetmail-cost-{suffix}/config")


@contextmanager
def provisioned(settings: Settings) -> Iterator[None]:
    """Topics, tables, bucket and configuration of the run's own; removed afterwards."""
    dynamodb, s3, ssm = (aws.client(name, settings) for name in ("dynamodb", "s3", "ssm"))
    ensure_topics(settings)
    idempotency_keys = {"KeySchema": STATUS_TABLE_KEYS["KeySchema"][:1],
                        "AttributeDefinitions": STATUS_TABLE_KEYS["AttributeDefinitions"][:1]}
    tables = ((settings.status_table, STATUS_TABLE_KEYS), (settings.idempotency_table, idempotency_keys))
    for table, keys in tables:
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **keys)
    s3.create_bucket(Bucket=settings.raw_bucket)
    ssm.put_parameter(Name=settings.config_parameter, Type="String",
                      Value=render_document(PipelineConfig()).decode())
    try:
        yield
    finally:
        delete_topics(settings)
        for table in (settings.status_table, settings.idempotency_table):
            dynamodb.delete_table(TableName=table)
        for item in s3.list_objects_v2(Bucket=settings.raw_bucket).get("Contents", []):
            s3.delete_object(Bucket=settings.raw_bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=settings.raw_bucket)
        ssm.delete_parameter(Name=settings.config_parameter)


class RunningEmulator(NamedTuple):
    api_url: str
    readers: collections.Counter[str]


def mapping_readers(mappings: Iterable[KafkaMapping], topic_prefix: str) -> collections.Counter[str]:
    """Topic (without the run's prefix) → the number of mappings that poll it."""
    return collections.Counter(topic.removeprefix(topic_prefix)
                               for mapping in mappings for topic in mapping.topics)


@contextmanager
def aws_mode_emulator(settings: Settings, endpoint: str, log_dir: Path) -> Iterator[RunningEmulator]:
    """template.yaml with Coordination=aws; the workers see ``endpoint`` and no ZooKeeper."""
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint, "PLANETMAIL_ZOOKEEPER": NO_ZOOKEEPER,
        "PLANETMAIL_API_TOKEN": CREDENTIALS.api_token,
        "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps({"sendgrid": "sg:sg-pass", "postmark": "pm:pm-pass",
                                                      "mailgun": CREDENTIALS.mailgun_signing_key})})
    application = load_application(REPO_ROOT / "template.yaml", parameter_overrides={
        "Coordination": "aws", "KafkaBootstrapServers": settings.kafka_bootstrap,
        "TopicPrefix": settings.topic_prefix, "StatusTableName": settings.status_table,
        "IdempotencyTableName": settings.idempotency_table, "RawBucketName": settings.raw_bucket,
        "ConfigParameterName": settings.config_parameter.lstrip("/"),
        "SmtpHost": settings.smtp_host, "SmtpPort": str(settings.smtp_port)})
    options = EmulatorOptions(log_dir=log_dir, api_port=free_port(), lambda_port=free_port())
    emulator = Emulator(application, options)
    emulator.start(kafka=True, schedules=False)
    try:
        yield RunningEmulator(f"http://127.0.0.1:{options.api_port}",
                              mapping_readers(application.kafka_mappings, settings.topic_prefix))
    finally:
        emulator.stop()


def send(url: str, messages: int) -> set[str]:
    """POST the mix; the tracking ids that expect an acknowledgement."""
    mix = TrafficMix(load_corpus(REPO_ROOT / "data"), CREDENTIALS, auto_reply_share=0.1, seed=5)
    expected = set()
    with httpx.Client(base_url=url, timeout=60) as client:
        for request in itertools.islice(mix.requests(), messages):
            response = client.post(request.path, headers=request.headers, content=request.content,
                                   json=request.json_body, data=request.form)
            response.raise_for_status()
            if request.expects_ack:
                expected.add(response.json()["id"])
    return expected


def lambda_usage(log_dir: Path) -> dict[str, tuple[int, float]]:
    usage = {}
    for log in sorted(log_dir.glob("*.log")):
        reports = [(int(ms), int(mb)) for ms, mb in _REPORT.findall(log.read_text(encoding="utf-8"))]
        usage[log.stem] = (len(reports), sum(ms / 1000 * mb / 1024 for ms, mb in reports))
    return usage


def kafka_volume(settings: Settings) -> dict[str, tuple[int, int]]:
    consumer = make_consumer(settings, group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=3000)
    consumer.subscribe(pattern=re.escape(settings.topic_prefix) + ".*")
    volume: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    try:
        for record in consumer:
            volume[record.topic][0] += 1
            volume[record.topic][1] += len(record.value or b"") + len(record.key or b"")
    finally:
        consumer.close()
    return {topic.removeprefix(settings.topic_prefix): (count, size)
            for topic, (count, size) in volume.items()}


def measure(settings: Settings, messages: int) -> Measurement:
    run = isolated(settings)
    with tempfile.TemporaryDirectory(prefix="planetmail-cost-") as folder, provisioned(run), \
            CountingProxy(str(settings.aws_endpoint_url)) as proxy:
        log_dir = Path(folder)
        with aws_mode_emulator(run, proxy.url, log_dir) as emulator:
            expected = send(emulator.api_url, messages)
            local = json.loads((settings.state_dir / "local.json").read_text(encoding="utf-8"))
            acknowledged = wait_for_acknowledgements(local["smtp_viewer_url"], expected,
                                                     deadline=time.time() + 180).times
            time.sleep(3)  # the last batches' status rows and events
        log_bytes = sum(log.stat().st_size for log in log_dir.glob("*.log"))
        return Measurement(messages, len(expected), len(expected & acknowledged.keys()), proxy.tally,
                           lambda_usage(log_dir), kafka_volume(run), log_bytes, emulator.readers)


def cost_lines(m: Measurement) -> list[tuple[str, float, float]]:
    """(what, quantity per message, USD per million messages)."""
    per = 1 / m.messages
    wru, rru = m.aws_calls["dynamodb:WRU"] * per, m.aws_calls["dynamodb:RRU"] * per
    invocations = sum(count for count, _ in m.lambda_usage.values())
    gb_seconds = sum(gbs for _, gbs in m.lambda_usage.values())
    s3_puts, s3_gets = m.aws_calls["s3:PutObject"], m.aws_calls["s3:GetObject"]
    kafka_bytes = sum(size for _, size in m.kafka.values())
    consumed = sum(m.kafka.get(topic, (0, 0))[1] * readers for topic, readers in m.readers.items())
    lines = [
        ("Lambda requests", invocations * per, invocations * per * PRICES["lambda_request"]),
        ("Lambda GB-seconds", gb_seconds * per, gb_seconds * per * PRICES["lambda_gb_second"]),
        ("HTTP API requests", 1.0, PRICES["http_api_request"]),
        ("DynamoDB write units", wru, wru * PRICES["dynamodb_wru"]),
        ("DynamoDB read units", rru, rru * PRICES["dynamodb_rru"]),
        ("S3 PUT", s3_puts * per, s3_puts * per * PRICES["s3_put"]),
        ("S3 GET", s3_gets * per, s3_gets * per * PRICES["s3_get"]),
        ("Kafka bytes in (MSK Serverless)", kafka_bytes * per,
         kafka_bytes * per / 1e9 * PRICES["kafka_gb_in"]),
        ("Kafka bytes out (mappings)", consumed * per, consumed * per / 1e9 * PRICES["kafka_gb_out"]),
        ("Log bytes (CloudWatch)", m.log_bytes * per, m.log_bytes * per / 1e9 * PRICES["log_gb"]),
    ]
    return [(what, quantity, usd * 1e6) for what, quantity, usd in lines]


def report(m: Measurement) -> str:
    n = m.messages
    rows = [f"{n} messages, {m.acknowledged} of the {m.expected} genuine ones acknowledged "
            "(the rest are auto-replies: suppressed)", "",
            "Lambda per message: " + ", ".join(f"{name} {count / n:.2f} inv., {gbs / n * 1000:.2f} GB-ms"
                                               for name, (count, gbs) in sorted(m.lambda_usage.items())),
            "AWS calls per message: " + ", ".join(f"{name} {count / n:.2f}"
                                                  for name, count in sorted(m.aws_calls.items())),
            "Kafka per message: " + ", ".join(f"{topic} {count / n:.2f} rec. {size / n:.0f} B"
                                              for topic, (count, size) in sorted(m.kafka.items())),
            "", f"{'line':<34}{'per message':>14}{'USD per 1M messages':>22}"]
    lines = cost_lines(m)
    rows += [f"{what:<34}{quantity:>14.3f}{usd:>22.2f}" for what, quantity, usd in lines]
    ses = PRICES["ses_email"] * m.acknowledged / n * 1e6
    rows.append(f"{'total (SMTP sending; SES adds ' + format(ses, '.0f') + ')':<34}"
                f"{'':>14}{sum(usd for _, _, usd in lines):>22.2f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args(argv)
    settings = Settings.load()
    print(f"measuring {args.messages} messages through the AWS-mode pipeline…", flush=True)
    print(report(measure(settings, args.messages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

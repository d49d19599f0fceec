"""AWS cost on paper: MSK data out counts every mapping that reads a topic (pure arithmetic)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from planetmail_local.bench.aws_cost import PRICES, Measurement, cost_lines, mapping_readers, report
from planetmail_local.emulator.template import load_application

TEMPLATE = Path(__file__).parents[3] / "template.yaml"


def test_each_mapping_of_the_template_reads_its_topics() -> None:
    application = load_application(TEMPLATE, {"TopicPrefix": "run1."}, kafka_bootstrap="b:1")
    readers = mapping_readers(application.kafka_mappings, "run1.")
    assert readers == {"mail.received": 2, "mail.events": 1, "mail.ack": 1}, (
        "processor and inbox indexer read mail.received, the indexer mail.events, the responder mail.ack")


def _measurement() -> Measurement:
    kafka = {"mail.received": (100, 1_000_000), "mail.events": (400, 2_000_000), "mail.ack": (80, 500_000)}
    return Measurement(messages=100, expected=80, acknowledged=80, aws_calls=collections.Counter(),
                       lambda_usage={}, kafka=kafka,
                       log_bytes=0, readers=collections.Counter({"mail.received": 2, "mail.ack": 1}))


def test_data_out_is_each_read_topics_bytes_times_its_readers() -> None:
    lines = {what: (quantity, usd) for what, quantity, usd in cost_lines(_measurement())}
    quantity, usd = lines["Kafka bytes out (mappings)"]
    assert quantity == 25_000  # (2 × 1,000,000 + 500,000) bytes over 100 messages; mail.events unread
    assert usd == pytest.approx(25_000 / 1e9 * PRICES["kafka_gb_out"] * 1e6)


def test_ses_is_priced_per_acknowledgement_sent_not_per_message() -> None:
    assert "SES adds 80)" in report(_measurement())  # 0.8 emails per message × $100 per million emails

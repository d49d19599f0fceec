"""Kafka client factories on kafka-python, configured once from Settings.

Producers are durable by default (acks=all, idempotent); consumers never auto-commit, because every
stage commits only after its outputs are durable (DESIGN.md, Kafka contract).
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from planetmail.settings import Settings


def connection_options(settings: Settings) -> dict[str, Any]:
    """bootstrap + security options shared by producers, consumers and admin clients."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap.split(","),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism or "SCRAM-SHA-512"
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password.reveal()
    if settings.kafka_security_protocol.endswith("SSL") and settings.kafka_ssl_cafile:
        # The broker's name is checked too (kafka-python's default): a local CA signs it for its address.
        options["ssl_cafile"] = settings.kafka_ssl_cafile
    return options


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    options: dict[str, Any] = {
        **connection_options(settings),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "max_request_size": 4 * 1024 * 1024,
        "request_timeout_ms": 15_000,
        "retries": 5,
    }
    options.update(overrides)
    return KafkaProducer(**options)


def make_consumer(settings: Settings, *topics: str, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    options: dict[str, Any] = {
        **connection_options(settings),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
    }
    options.update(overrides)
    return KafkaConsumer(*topics, **options)


def make_admin(settings: Settings, **overrides: Any) -> KafkaAdminClient:
    return KafkaAdminClient(**{**connection_options(settings), **overrides})

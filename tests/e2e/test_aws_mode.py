"""The whole pipeline in AWS mode: template.yaml with Coordination=aws, as ``planetmail up --target aws``
runs it. The functions read their configuration from SSM (moto), keep their leases and cursors in
DynamoDB (dynalite), and are pointed at a port that only counts connections instead of ZooKeeper (the
last test checks nobody connected): the deployed shape, proven locally.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dovecot_server import append, dovecot_server
from e2e_support import (
    assert_acknowledged_exactly_once,
    category_of_a_complaint,
    lifecycle_events,
    running_pipeline,
    states_of,
    worker_environment,
)

from collector.imap_cursor import cursor_name
from planetmail import aws
from planetmail.config import render_document
from planetmail.coordination.backends import coordinator
from planetmail.inbound import utcnow
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_REFRESH_SECONDS, ENV_ZOOKEEPER, Secret, Settings
from planetmail.status import STATUS_TABLE_KEYS, StatusStore
from planetmail_local.emulator.service import Emulator
from planetmail_local.stack.topics import delete_topics, ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 12
IDEMPOTENCY_KEYS = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}


class ZooKeeperTrap:
    """A port where ZooKeeper would be: it counts whoever connects, and answers nothing."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._server.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._server.accept()
                self.connections += 1
                connection.close()

    def close(self) -> None:
        self._server.close()


@dataclasses.dataclass(frozen=True)
class AwsMode:
    url: str
    emulator: Emulator
    settings: Settings
    """What the functions were given: isolated topics, tables of their own, the SSM parameter."""
    zookeeper: ZooKeeperTrap


@pytest.fixture(scope="module")
def aws_mode(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsMode]:
    suffix = uuid.uuid4().hex[:10]
    settings = dataclasses.replace(
        stack_settings, topic_prefix=f"aws{suffix}.", status_table=f"aws-status-{suffix}",
        idempotency_table=f"aws-idem-{suffix}", config_parameter=f"/planetmail-aws-{suffix}/config",
        coordination="dynamodb", config_source="ssm")
    ensure_topics(settings)
    dynamodb, ssm = aws.client("dynamodb", settings), aws.client("ssm", settings)
    tables = ((settings.status_table, STATUS_TABLE_KEYS), (settings.idempotency_table, IDEMPOTENCY_KEYS))
    for table, keys in tables:
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **keys)
    write_config(settings, PipelineConfig())
    trap = ZooKeeperTrap()  # instead of NO_ZOOKEEPER (a closed port), to see that nobody even tries
    environment = {**worker_environment(settings, "/planetmail-unreachable"), ENV_ZOOKEEPER: trap.address,
                   ENV_CONFIG_REFRESH_SECONDS: "1"}
    parameters = {"Coordination": "aws", "StatusTableName": settings.status_table,
                  "IdempotencyTableName": settings.idempotency_table,
                  "ConfigParameterName": settings.config_parameter.lstrip("/")}
    try:
        with running_pipeline(settings, environment, parameters, tmp_path_factory.mktemp("aws-logs")) as (
                url, emulator):
            yield AwsMode(url, emulator, settings, trap)
    finally:
        trap.close()
        delete_topics(settings)
        for table in (settings.status_table, settings.idempotency_table):
            dynamodb.delete_table(TableName=table)
        ssm.delete_parameter(Name=settings.config_parameter)


def write_config(settings: Settings, config: PipelineConfig) -> None:
    aws.client("ssm", settings).put_parameter(Name=settings.config_parameter, Type="String", Overwrite=True,
                                              Value=render_document(config).decode())


def test_the_functions_get_the_aws_backends_and_no_zookeeper(aws_mode: AwsMode) -> None:
    for function in ("CollectorFunction", "ImapPollerFunction", "ProcessorFunction", "ResponderFunction"):
        environment = aws_mode.emulator.app.functions[function].environment
        assert (environment["PLANETMAIL_COORDINATION"], environment["PLANETMAIL_CONFIG_SOURCE"]) == (
            "dynamodb", "ssm")
    assert os.environ[ENV_ZOOKEEPER] == aws_mode.zookeeper.address


def test_every_genuine_message_is_acknowledged_exactly_once(aws_mode: AwsMode,
                                                           stack_settings: Settings) -> None:
    expected = assert_acknowledged_exactly_once(aws_mode.url, stack_settings, MESSAGES)

    states = states_of(aws_mode.url, next(iter(expected)))
    assert {"received", "classified", "acknowledged"} <= set(states), states


def test_an_ssm_configuration_change_reaches_running_workers(aws_mode: AwsMode) -> None:
    """With the threshold at 1.0 nothing is confident enough: mail goes to human review, live."""
    write_config(aws_mode.settings, PipelineConfig(confidence_threshold=1.0))
    try:
        time.sleep(1.5)  # the workers re-read the parameter at most every second (30 s on AWS)
        assert category_of_a_complaint(aws_mode.url) == ["human_review"]
    finally:
        write_config(aws_mode.settings, PipelineConfig())


def test_the_sla_watchdog_reports_a_late_message(aws_mode: AwsMode) -> None:
    late = f"late-{uuid.uuid4().hex[:8]}"
    received = utcnow() - timedelta(minutes=10)
    StatusStore(aws_mode.settings).record(
        LifecycleEvent(id=late, stage="collector", state="received", at=received))

    schedule = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    result: dict[str, Any] = aws_mode.emulator.invoke("SlaWatchdogFunction", schedule).result()

    assert late in result["overdue"]
    assert late in breaches_on(aws_mode.settings)


def breaches_on(settings: Settings) -> set[str]:
    return {event.id for event in lifecycle_events(settings) if event.state == "sla_breach"}


def test_the_imap_poller_leads_and_keeps_its_cursor_in_dynamodb(aws_mode: AwsMode,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    with dovecot_server() as (port, user, password):
        mailbox = dataclasses.replace(aws_mode.settings, imap_host="127.0.0.1", imap_port=port,
                                      imap_username=user, imap_password=Secret(password), imap_tls=False)
        # The poller's workers start at its first invocation and inherit these.
        for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "USERNAME": user, "PASSWORD": password,
                            "TLS": "false"}.items():
            monkeypatch.setenv(f"PLANETMAIL_IMAP_{name}", value)
        append(mailbox, "first", "second")

        def poll() -> dict[str, Any]:
            result: dict[str, Any] = aws_mode.emulator.invoke("ImapPollerFunction", schedule).result()
            return result

        first, again = poll(), poll()
        with coordinator(mailbox, "another-instance") as other, other.lead("imap-poller") as leading:
            assert leading
            append(mailbox, "third")
            skipped = poll()
        after = poll()
        with coordinator(mailbox) as coordination:
            cursor = coordination.document(cursor_name(mailbox)).load()

    assert (first["leader"], first["published"], first["error"]) == (True, 2, None)
    assert (again["published"], skipped["leader"], skipped["published"]) == (0, False, 0)
    assert (after["published"], after["last_uid"]) == (1, 3)
    assert cursor is not None and cursor["last_uid"] == 3


def test_no_function_ever_tried_to_reach_zookeeper(aws_mode: AwsMode) -> None:
    """Last in this module: every function above ran, none connected to where ZooKeeper would be."""
    assert aws_mode.zookeeper.connections == 0

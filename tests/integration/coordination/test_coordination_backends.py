"""One coordination interface, two backends, the same behaviour: the shared ZooKeeper (unique root)
and DynamoDB on the local AWS endpoint (dynalite, a table of its own)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from planetmail import aws
from planetmail.coordination.backends import coordinator
from planetmail.coordination.base import CoordinationUnavailable, DocumentMoved
from planetmail.coordination.dynamodb import DynamoDbCoordinator
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port

pytestmark = pytest.mark.integration

KEYS = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}


@pytest.fixture
def dynamodb_settings(stack_settings: Settings) -> Iterator[Settings]:
    settings = dataclasses.replace(stack_settings, coordination="dynamodb",
                                   idempotency_table=f"coordination-{uuid.uuid4().hex[:10]}")
    dynamodb = aws.client("dynamodb", settings)
    dynamodb.create_table(TableName=settings.idempotency_table, BillingMode="PAY_PER_REQUEST", **KEYS)
    yield settings
    dynamodb.delete_table(TableName=settings.idempotency_table)


@pytest.fixture(params=["zookeeper", "dynamodb"])
def backend_settings(request: pytest.FixtureRequest) -> Settings:
    fixture = "zk_settings" if request.param == "zookeeper" else "dynamodb_settings"
    settings: Settings = request.getfixturevalue(fixture)
    return settings


def test_one_instance_leads_a_job_until_its_block_ends(backend_settings: Settings) -> None:
    with coordinator(backend_settings, "first") as first, coordinator(backend_settings, "second") as second:
        with first.lead("imap-poller") as leading:
            assert leading
            with second.lead("imap-poller") as also:
                assert not also
            with second.lead("another-job") as other:
                assert other
        with second.lead("imap-poller") as leading_now:
            assert leading_now


def test_a_document_write_is_refused_after_another_instance_wrote(backend_settings: Settings) -> None:
    with coordinator(backend_settings, "old") as old, coordinator(backend_settings, "new") as new:
        stale, fresh = old.document("imap/box"), new.document("imap/box")
        assert stale.load() is None
        stale.save({"last_uid": 1})
        assert fresh.load() == {"last_uid": 1}
        fresh.save({"last_uid": 2})
        fresh.save({"last_uid": 3})

        with pytest.raises(DocumentMoved):
            stale.save({"last_uid": 9})

        assert old.document("imap/box").load() == {"last_uid": 3}


def test_a_lease_whose_holder_died_is_taken_over_once_it_runs_out(dynamodb_settings: Settings) -> None:
    dynamodb = aws.client("dynamodb", dynamodb_settings)
    table = dynamodb_settings.idempotency_table
    now = [1_000_000.0]
    dead = DynamoDbCoordinator(dynamodb, table, "dead", lease_seconds=60, clock=lambda: now[0])
    successor = DynamoDbCoordinator(dynamodb, table, "successor", lease_seconds=60, clock=lambda: now[0])
    block = dead.lead("imap-poller")
    assert block.__enter__()  # and never leaves: the holder died mid-run

    with successor.lead("imap-poller") as leading:
        assert not leading and successor.holder("imap-poller") == "dead"
    now[0] += 61
    with successor.lead("imap-poller") as leading:
        assert leading and successor.holder("imap-poller") == "successor"
    assert successor.holder("imap-poller") is None


@pytest.mark.parametrize("backend", ["zookeeper", "dynamodb"])
def test_an_unreachable_backend_is_reported_not_raised_raw(stack_settings: Settings, backend: str) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    settings = dataclasses.replace(stack_settings, coordination=backend, zookeeper=nowhere,
                                   aws_endpoint_url=f"http://{nowhere}")

    with (pytest.raises(CoordinationUnavailable, match=r"unreachable|unavailable"),
          coordinator(settings) as coordination, coordination.lead("imap-poller")):
        pass

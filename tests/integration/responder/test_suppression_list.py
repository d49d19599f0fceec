"""The hard-bounce list on a real DynamoDB table: an entry suppresses until its TTL, not until it is deleted.

DynamoDB's TTL sweeper deletes expired items late (up to days on AWS), so an expired entry can still be
read. The list's clock is fixed in the future (2027): the sweeper, which goes by the real time, never
deletes these entries during the test, so "expired" here means past the list's clock yet still present.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planetmail import aws
from planetmail.send_ledger import TTL_ATTRIBUTE
from planetmail.settings import Settings
from responder.recipients import SuppressionList

pytestmark = pytest.mark.integration

NOW = 1_800_000_000.0
ADDRESS = "gone@example.com"


def refused_entry(settings: Settings, address: str, expiration: float | None) -> None:
    """Put a suppression entry straight into the table, as an earlier 5.1.1 refusal left it."""
    item = {"id": {"S": f"suppressed#{address}"}, "reason": {"S": "550 5.1.1 no such user"}}
    if expiration is not None:
        item[TTL_ATTRIBUTE] = {"N": str(int(expiration))}
    dynamodb = aws.client("dynamodb", settings)
    dynamodb.put_item(TableName=settings.idempotency_table, Item=item)
    stored = dynamodb.get_item(TableName=settings.idempotency_table, Key={"id": item["id"]},
                               ConsistentRead=True)
    assert "Item" in stored, "the entry must still be in the table: the test is about undeleted entries"


def asked_one_by_one(suppressed: SuppressionList, address: str) -> bool:
    return suppressed.contains(address)


def asked_in_a_batch(suppressed: SuppressionList, address: str) -> bool:
    suppressed.look_up(["other@example.com", address])
    return suppressed.contains(address)


ASKED = pytest.mark.parametrize("ask", [asked_one_by_one, asked_in_a_batch], ids=["contains", "look_up"])
Ask = Callable[[SuppressionList, str], bool]


@ASKED
def test_an_expired_entry_not_yet_swept_no_longer_suppresses(responder_settings: Settings, ask: Ask) -> None:
    refused_entry(responder_settings, ADDRESS, expiration=NOW - 1)
    assert not ask(SuppressionList(responder_settings, clock=lambda: NOW), ADDRESS)


@ASKED
def test_an_entry_before_its_expiration_suppresses(responder_settings: Settings, ask: Ask) -> None:
    refused_entry(responder_settings, ADDRESS, expiration=NOW + 60)
    assert ask(SuppressionList(responder_settings, clock=lambda: NOW), ADDRESS)


@ASKED
def test_an_entry_without_expiration_suppresses_for_good(responder_settings: Settings, ask: Ask) -> None:
    refused_entry(responder_settings, ADDRESS, expiration=None)
    assert ask(SuppressionList(responder_settings, clock=lambda: NOW), ADDRESS)


@ASKED
def test_an_address_never_refused_is_not_suppressed(responder_settings: Settings, ask: Ask) -> None:
    assert not ask(SuppressionList(responder_settings, clock=lambda: NOW), ADDRESS)

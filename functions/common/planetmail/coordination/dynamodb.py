"""Coordination on AWS: a lease item and version-checked documents in one DynamoDB table.

On Lambda the scheduled job's ``ReservedConcurrentExecutions: 1`` already keeps a second copy from
running in the same function; the lease covers what concurrency does not: a second stack or region
polling the same mailbox, or a late invocation overlapping one that is still running. A lease is an
item ``lease#<job>`` with its ``holder`` and ``lease_until`` (epoch seconds), taken with a conditional
PutItem when absent or expired, and deleted by its holder at the end of the block. It outlives the
longest run (``lease_seconds`` ≥ the function timeout), so a holder that dies is replaced once it
runs out. Documents are items ``document#<name>`` whose ``version`` every write checks and bumps,
like a znode's. Items carry the table's TTL attribute only for leases, so documents never expire.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from planetmail.coordination.base import CoordinationUnavailable, DocumentMoved

LEASE_SECONDS: Final = 120
LEASE_RETENTION_SECONDS: Final = 24 * 3600
"""How long an expired lease item stays before the table's TTL removes it (a trace of the last holder)."""
_CONFLICT: Final = "ConditionalCheckFailedException"


def read_item(dynamodb: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item under ``key`` (strongly consistent), or None."""
    try:
        response = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)
    except (ClientError, BotoCoreError) as exc:
        raise CoordinationUnavailable(f"the coordination table {table} is unavailable: {exc}") from None
    item: dict[str, Any] | None = response.get("Item")
    return item


def conditional_write(dynamodb: Any, table: str, operation: str, **request: Any) -> bool:
    """Run PutItem/DeleteItem with its condition: True when written, False when the condition failed."""
    try:
        getattr(dynamodb, operation)(TableName=table, **request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == _CONFLICT:
            return False
        raise CoordinationUnavailable(f"the coordination table {table} is unavailable: {exc}") from None
    except BotoCoreError as exc:
        raise CoordinationUnavailable(f"the coordination table {table} is unreachable: {exc}") from None
    return True


class DynamoDbDocument:
    def __init__(self, dynamodb: Any, table: str, name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._key = {"id": {"S": f"document#{name}"}}
        self._version = 0

    def load(self) -> dict[str, Any] | None:
        item = read_item(self._dynamodb, self._table, self._key)
        self._version = int(item["version"]["N"]) if item else 0
        return json.loads(item["document"]["S"]) if item else None

    def save(self, document: dict[str, Any]) -> None:
        item = {**self._key, "version": {"N": str(self._version + 1)},
                "document": {"S": json.dumps(document)}}
        if self._version:
            condition: dict[str, Any] = {"ConditionExpression": "version = :read",
                                         "ExpressionAttributeValues": {":read": {"N": str(self._version)}}}
        else:
            condition = {"ConditionExpression": "attribute_not_exists(id)"}
        if not conditional_write(self._dynamodb, self._table, "put_item", Item=item, **condition):
            raise DocumentMoved(f"{self._key['id']['S']} was changed by another instance")
        self._version += 1


class DynamoDbCoordinator:
    def __init__(self, dynamodb: Any, table: str, identity: str, *, lease_seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._identity = identity
        self._lease_seconds = lease_seconds
        self._clock = clock

    @contextmanager
    def lead(self, job: str) -> Iterator[bool]:
        key = {"id": {"S": f"lease#{job}"}}
        acquired = self._acquire(key)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(key)

    def document(self, name: str) -> DynamoDbDocument:
        return DynamoDbDocument(self._dynamodb, self._table, name)

    def holder(self, job: str) -> str | None:
        """Who holds ``job``'s lease now (None when nobody does): for status pages and tests."""
        item = read_item(self._dynamodb, self._table, {"id": {"S": f"lease#{job}"}})
        if item is None or float(item["lease_until"]["N"]) <= self._clock():
            return None
        return str(item["holder"]["S"])

    def _acquire(self, key: dict[str, Any]) -> bool:
        now = self._clock()
        until = now + self._lease_seconds
        item = {**key, "holder": {"S": self._identity}, "lease_until": {"N": f"{until:.3f}"},
                "expiration": {"N": str(int(until + LEASE_RETENTION_SECONDS))}}
        return conditional_write(self._dynamodb, self._table, "put_item", Item=item,
                                 ConditionExpression="attribute_not_exists(id) OR lease_until < :now",
                                 ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}})

    def _release(self, key: dict[str, Any]) -> None:
        """Give the lease back at once; if that fails, it simply runs out."""
        with suppress(CoordinationUnavailable):
            conditional_write(self._dynamodb, self._table, "delete_item", Key=key,
                              ConditionExpression="holder = :me",
                              ExpressionAttributeValues={":me": {"S": self._identity}})

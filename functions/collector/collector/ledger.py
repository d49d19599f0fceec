"""Conditional writes in the idempotency table: redelivered messages and replayed webhook tokens.

Items are keyed ``dedupe#<source>#<sha256 of key>`` / ``seen#<name>`` (partition key ``id``) and
expire through the table's TTL attribute ``expiration``.

A dedupe claim is ``pending`` until the record is on Kafka and ``stored`` after: a retry after a
failed hand-off reuses the same tracking id and publishes again (at-least-once, same id), while a
retry after success is answered from the ledger without a second record.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from collector.problems import ServiceUnavailable

DEDUPE_TTL_SECONDS = 7 * 24 * 3600
PENDING = "pending"
STORED = "stored"


@dataclasses.dataclass(frozen=True)
class Claim:
    tracking_id: str
    stored: bool


def dedupe_key(source: str, key: str) -> str:
    return f"dedupe#{source}#{hashlib.sha256(key.encode()).hexdigest()}"


class Ledger:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float]) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._clock = clock

    def claim(self, item_id: str, tracking_id: str) -> Claim:
        """Claim ``item_id`` for ``tracking_id``, or return the earlier claim's id and state."""
        item = {"tracking_id": {"S": tracking_id}, "state": {"S": PENDING}}
        if self._put_if_absent(item_id, item, DEDUPE_TTL_SECONDS):
            return Claim(tracking_id, stored=False)
        existing = self._item(item_id)
        if existing is None:  # expired between the two calls: claim again
            return self.claim(item_id, tracking_id)
        return Claim(existing["tracking_id"]["S"], stored=existing["state"]["S"] == STORED)

    def stored_id(self, item_id: str) -> str | None:
        """The tracking id of a message already stored under ``item_id``, else None."""
        item = self._item(item_id)
        return item["tracking_id"]["S"] if item and item["state"]["S"] == STORED else None

    def stored_item(self, item_id: str, tracking_id: str) -> dict[str, Any]:
        """The whole item of a stored claim, for a caller that writes it together with other items."""
        return self._item_with(item_id, {"tracking_id": {"S": tracking_id}, "state": {"S": STORED}},
                               DEDUPE_TTL_SECONDS)

    def first_sight(self, name: str, ttl_seconds: int) -> bool:
        """True the first time ``name`` is seen within the TTL (replay protection)."""
        return self._put_if_absent(f"seen#{name}", {}, ttl_seconds)

    def forget(self, name: str) -> None:
        self._call("delete_item", TableName=self._table, Key={"id": {"S": f"seen#{name}"}})

    def _item(self, item_id: str) -> dict[str, Any] | None:
        item = self._call("get_item", TableName=self._table, Key={"id": {"S": item_id}}, ConsistentRead=True)
        found: dict[str, Any] | None = item.get("Item")
        return found

    def _item_with(self, item_id: str, attributes: dict[str, Any], ttl_seconds: int) -> dict[str, Any]:
        expiration = {"N": str(int(self._clock()) + ttl_seconds)}
        return {"id": {"S": item_id}, "expiration": expiration, **attributes}

    def _put_if_absent(self, item_id: str, attributes: dict[str, Any], ttl_seconds: int) -> bool:
        item = self._item_with(item_id, attributes, ttl_seconds)
        try:
            self._dynamodb.put_item(TableName=self._table, Item=item,
                                    ConditionExpression="attribute_not_exists(id)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise ServiceUnavailable(f"the idempotency table is unavailable: {exc}") from None
        except BotoCoreError as exc:
            raise ServiceUnavailable(f"the idempotency table is unreachable: {exc}") from None
        return True

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._dynamodb, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"the idempotency table is unavailable: {exc}") from None

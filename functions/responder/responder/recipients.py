"""Per-recipient state of the reply policy, in DynamoDB: the hard-bounce list and the flood cap.

Both live in ``settings.idempotency_table`` next to the send ledger (keys ``suppressed#<address>`` and
``cap#<address>#<window>``), so the responder needs one table only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from planetmail import aws
from planetmail.settings import Settings
from responder.ledger import TTL_ATTRIBUTE


class _RecipientStore:
    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._table = settings.idempotency_table
        self._dynamodb = dynamodb or aws.client("dynamodb", settings)
        self._clock = clock


class SuppressionList(_RecipientStore):
    """Addresses that hard-bounced (5xx): never acknowledged again."""

    def add(self, address: str, reason: str) -> None:
        self._dynamodb.put_item(TableName=self._table, Item={
            "id": {"S": _suppressed_key(address)},
            "reason": {"S": reason},
            "since": {"N": str(int(self._clock()))},
        })

    def contains(self, address: str) -> bool:
        response = self._dynamodb.get_item(
            TableName=self._table, Key={"id": {"S": _suppressed_key(address)}}, ConsistentRead=True
        )
        return "Item" in response


class RecipientCap(_RecipientStore):
    """At most ``limit`` acknowledgements per address per fixed window: an atomic counter per window."""

    def admit(self, address: str, limit: int, window_seconds: int) -> bool:
        """Count one acknowledgement to the address; False when that exceeds the window's limit."""
        now = int(self._clock())
        window = now // window_seconds
        response = self._dynamodb.update_item(
            TableName=self._table,
            Key={"id": {"S": f"cap#{address.lower()}#{window}"}},
            UpdateExpression="ADD hits :one SET #exp = if_not_exists(#exp, :exp)",
            ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str((window + 2) * window_seconds)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["hits"]["N"]) <= limit


def _suppressed_key(address: str) -> str:
    return f"suppressed#{address.strip().lower()}"

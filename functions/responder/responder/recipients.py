"""Per-recipient state of the reply policy, in DynamoDB: the hard-bounce list and the flood cap.

Both live in ``settings.idempotency_table`` next to the send ledger (keys ``suppressed#<address>`` and
``cap#<address>#<window>``), so the responder needs one table only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from planetmail import aws
from planetmail.send_ledger import TTL_ATTRIBUTE
from planetmail.settings import Settings

BATCH_GET_LIMIT = 100
"""DynamoDB's maximum number of keys in one BatchGetItem call."""
LOOK_UP_ATTEMPTS = 3


class _RecipientStore:
    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._table = settings.idempotency_table
        self._dynamodb = dynamodb or aws.client("dynamodb", settings)
        self._clock = clock


class SuppressionList(_RecipientStore):
    """Addresses that hard-bounced (5xx): never acknowledged again.

    ``look_up`` reads a whole batch's addresses with BatchGetItem; ``contains`` then answers those from
    memory (one call per 100 addresses instead of one each) until the next ``look_up``.
    """

    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, dynamodb, clock)
        self._known: dict[str, bool] = {}

    def add(self, address: str, reason: str) -> None:
        key = _suppressed_key(address)
        self._dynamodb.put_item(TableName=self._table, Item={
            "id": {"S": key},
            "reason": {"S": reason},
            "since": {"N": str(int(self._clock()))},
        })
        self._known[key] = True

    def contains(self, address: str) -> bool:
        key = _suppressed_key(address)
        if key in self._known:
            return self._known[key]
        response = self._dynamodb.get_item(TableName=self._table, Key={"id": {"S": key}}, ConsistentRead=True)
        return "Item" in response

    def look_up(self, addresses: Iterable[str]) -> None:
        """Read these addresses' entries now (consistent reads), forgetting the previous batch's."""
        keys = list(dict.fromkeys(map(_suppressed_key, addresses)))
        self._known = dict.fromkeys(keys, False)
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            self._read(keys[start:start + BATCH_GET_LIMIT])

    def _read(self, keys: list[str]) -> None:
        pending: dict[str, Any] = {self._table: {"Keys": [{"id": {"S": key}} for key in keys],
                                                 "ConsistentRead": True}}
        for _ in range(LOOK_UP_ATTEMPTS):
            response = self._dynamodb.batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(self._table, []):
                self._known[item["id"]["S"]] = True
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return
        for key in pending[self._table]["Keys"]:  # still throttled: asked one by one by ``contains``
            self._known.pop(key["id"]["S"], None)


class RecipientCap(_RecipientStore):
    """At most ``limit`` acknowledgements per address per fixed window: an atomic set of the messages
    counted in the window, so a redelivery of the same message (a retry while the mail server is down)
    counts once instead of pushing its own acknowledgement over the cap."""

    def admit(self, address: str, limit: int, window_seconds: int, message_id: str) -> bool:
        """Count the message to the address; False when that exceeds the window's limit."""
        now = int(self._clock())
        window = now // window_seconds
        response = self._dynamodb.update_item(
            TableName=self._table,
            Key={"id": {"S": f"cap#{address.lower()}#{window}"}},
            UpdateExpression="ADD messages :message SET #exp = if_not_exists(#exp, :exp)",
            ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":message": {"SS": [message_id]},
                                       ":exp": {"N": str((window + 2) * window_seconds)}},
            ReturnValues="ALL_NEW",
        )
        return len(response["Attributes"]["messages"]["SS"]) <= limit


def _suppressed_key(address: str) -> str:
    return f"suppressed#{address.strip().lower()}"

"""Per-recipient state of the reply policy, in DynamoDB: the hard-bounce list and the flood cap.

Both live in ``settings.idempotency_table`` next to the send ledger (keys ``suppressed#<address>`` and
``cap#<normalised address>``), so the responder needs one table only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from planetmail import aws
from planetmail.send_ledger import TTL_ATTRIBUTE
from planetmail.settings import Settings

BATCH_GET_LIMIT = 100
"""DynamoDB's maximum number of keys in one BatchGetItem call."""
LOOK_UP_ATTEMPTS = 3
ADMIT_ATTEMPTS = 8
"""Optimistic writes of one address's window; each lost race re-reads it (a burst to one address)."""


class _RecipientStore:
    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._table = settings.idempotency_table
        self._dynamodb = dynamodb or aws.client("dynamodb", settings)
        self._clock = clock


class SuppressionList(_RecipientStore):
    """Addresses refused as unknown (5.1.x): not acknowledged again until their entry expires.

    ``look_up`` reads a whole batch's addresses with BatchGetItem; ``contains`` then answers those from
    memory (one call per 100 addresses instead of one each) until the next ``look_up``.
    """

    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, dynamodb, clock)
        self._known: dict[str, bool] = {}

    def add(self, address: str, reason: str, *, ttl_seconds: int) -> None:
        """Suppress the address for ``ttl_seconds`` (DynamoDB TTL deletes the entry some time after)."""
        key = _suppressed_key(address)
        now = int(self._clock())
        self._dynamodb.put_item(TableName=self._table, Item={
            "id": {"S": key},
            "reason": {"S": reason},
            "since": {"N": str(now)},
            TTL_ATTRIBUTE: {"N": str(now + ttl_seconds)},
        })
        self._known[key] = True

    def contains(self, address: str) -> bool:
        key = _suppressed_key(address)
        if key in self._known:
            return self._known[key]
        response = self._dynamodb.get_item(TableName=self._table, Key={"id": {"S": key}}, ConsistentRead=True)
        return self._in_force(response.get("Item"))

    def _in_force(self, item: dict[str, Any] | None) -> bool:
        """TTL deletion lags (up to days on AWS): an entry past its expiration no longer counts."""
        if item is None:
            return False
        expiration = item.get(TTL_ATTRIBUTE)
        return expiration is None or float(expiration["N"]) > self._clock()

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
                self._known[item["id"]["S"]] = self._in_force(item)
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return
        for key in pending[self._table]["Keys"]:  # still throttled: asked one by one by ``contains``
            self._known.pop(key["id"]["S"], None)


class RecipientCap(_RecipientStore):
    """At most ``limit`` acknowledgements per address in any ``window_seconds`` (a sliding window).

    One item per normalised address holds the messages admitted to it with their times; admission
    prunes what left the window and adds the message with a conditional write on the item's version,
    so concurrent workers cannot both take the last place. A message admitted once stays admitted: a
    redelivery (a retry while the mail server was down) is let through even after later messages
    filled the window.
    """

    def __init__(self, settings: Settings, dynamodb: Any | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, dynamodb, clock)
        self._read_ahead: dict[str, dict[str, Any] | None] = {}

    def look_up(self, addresses: Iterable[str]) -> None:
        """Read a batch's windows in one go (consistent reads), so ``admit`` saves a GetItem per message.

        Safe to be stale: the write is conditional on the version read, and a lost race re-reads the item.
        """
        keys = list(dict.fromkeys(_cap_key(address) for address in addresses))
        self._read_ahead = dict.fromkeys(keys)
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            request = {"Keys": [{"id": {"S": key}} for key in keys[start:start + BATCH_GET_LIMIT]],
                       "ConsistentRead": True}
            response = self._dynamodb.batch_get_item(RequestItems={self._table: request})
            for item in response.get("Responses", {}).get(self._table, []):
                self._read_ahead[item["id"]["S"]] = item
            for key in (response.get("UnprocessedKeys") or {}).get(self._table, {}).get("Keys", []):
                self._read_ahead.pop(key["id"]["S"], None)  # throttled: ``admit`` reads it itself

    def admit(self, address: str, limit: int, window_seconds: int, message_id: str) -> bool:
        """Count the message to the address; False when the window already holds ``limit`` others."""
        key = _cap_key(address)
        for _ in range(ADMIT_ATTEMPTS):
            now = self._clock()
            read_ahead = key in self._read_ahead
            item = self._current(key)
            admitted = {k: float(v["N"]) for k, v in (item or {}).get("admitted", {}).get("M", {}).items()}
            if message_id in admitted:
                return True
            recent = {k: at for k, at in admitted.items() if at > now - window_seconds}
            if len(recent) >= limit:
                if read_ahead:  # a full window is decided on a fresh read (an earlier delivery may be in it)
                    continue
                return False
            written = self._write(key, item, {**recent, message_id: now}, int(now) + window_seconds)
            if written is not None:
                self._read_ahead[key] = written
                return True
        raise RuntimeError(f"recipient cap of {address!r}: too many concurrent admissions, try again")

    def _current(self, key: str) -> dict[str, Any] | None:
        """The batch's read-ahead copy once, then (after a lost race) a fresh consistent read."""
        if key in self._read_ahead:
            return self._read_ahead.pop(key)
        found: dict[str, Any] | None = self._dynamodb.get_item(
            TableName=self._table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
        return found

    def _write(self, key: str, item: dict[str, Any] | None, admitted: dict[str, float],
               expires: int) -> dict[str, Any] | None:
        """The item written, or None when another worker changed it since ``item`` was read."""
        version = int(item["version"]["N"]) if item else 0
        condition = "attribute_not_exists(id)" if item is None else "version = :version"
        values = {":version": {"N": str(version)}} if item is not None else {}
        written = {"id": {"S": key}, "version": {"N": str(version + 1)},
                   "admitted": {"M": {k: {"N": repr(at)} for k, at in admitted.items()}},
                   TTL_ATTRIBUTE: {"N": str(expires)}}
        try:
            self._dynamodb.put_item(
                TableName=self._table, Item=written,
                ConditionExpression=condition, **({"ExpressionAttributeValues": values} if values else {}))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return None
        return written


def normalised_address(address: str) -> str:
    """One mailbox, one cap: lower case, no brackets, no ``+tag`` sub-address."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    base = local.split("+", 1)[0] or local
    return f"{base}@{domain}" if local else domain


def _cap_key(address: str) -> str:
    return f"cap#{normalised_address(address)}"


def _suppressed_key(address: str) -> str:
    return f"suppressed#{address.strip().lower()}"

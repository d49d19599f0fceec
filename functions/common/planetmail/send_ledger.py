"""Exactly one acknowledgement per tracking id: a send ledger in DynamoDB guarded by conditional writes.

One item per message (key ``ack#<tracking id>``), moving through these states:

- ``claimed``: a worker owns the message until ``lease_until`` (policy, rendering). A worker that dies
  here is harmless; the next delivery reclaims the message once the lease has run out.
- ``sending``: the reply is being handed to the transport. A worker that dies here leaves the outcome
  unknown, and the message is never sent again (two acknowledgements are worse than a missing one):
  the next delivery records it as failed, for an operator to look at. Only the operator may decide to
  send it once more (``reopen_unknown``, ``planetmail dlq resend-unknown``).
- ``acknowledged`` / ``suppressed`` / ``failed``: terminal. ``event`` keeps the lifecycle event so a
  redelivery can finish reporting it; ``reported`` (or, for batches, a ``reported#<tracking id>`` item
  naming the event) says it reached ``mail.events``.

The table has the Powertools Idempotency key schema (partition key ``id``, TTL attribute
``expiration``), so ``settings.idempotency_table`` serves both. Powertools itself is not used because it
re-runs a function whose in-progress record expired, which here would mean a second email.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from planetmail import aws, codec
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings

IDEMPOTENCY_TABLE_KEYS: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
}
TTL_ATTRIBUTE = "expiration"

CLAIM_LEASE_SECONDS = 3.0
"""How long a claim (policy, rendering: milliseconds) keeps others away. A worker killed while holding
one must be taken over within the event source's retries (MaximumRetryAttempts 5, about 6 s of
backoff), or its message is dead-lettered although nothing was sent."""

_CLAIMED, _SENDING = "claimed", "sending"
UNKNOWN_OUTCOME_REASON = "unknown_outcome"
"""The ``detail.reason`` of the failed event a delivery records for a worker that died while sending."""
_OUTCOME_UNKNOWN = ("(#state = :sending AND lease_until < :now)"
                    " OR (#state = :failed AND contains(event, :unknown))")
_BATCH_GET_LIMIT = 100
_UNKNOWN_OUTCOME_MARK = f'"reason":"{UNKNOWN_OUTCOME_REASON}"'
"""How that reason reads in a settled entry's ``event`` (compact JSON, ``codec.encode``)."""
_SETTLE = "SET #state = :state, event = :event, reported = :no"
_NAMES = {"#state": "state", "#owner": "owner"}


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    """This worker owns the message now."""
    BUSY = "busy"
    """Another worker holds a live lease: try again later."""
    UNKNOWN = "unknown"
    """A worker died while sending: the outcome is unknown, never send again."""
    DONE = "done"
    """Already settled; ``event`` is what was (or still has to be) reported."""


@dataclasses.dataclass(frozen=True)
class Claim:
    status: ClaimStatus
    owner: str = ""
    event: LifecycleEvent | None = None
    reported: bool = False


@dataclasses.dataclass(frozen=True)
class LedgerEntry:
    """What the ledger says about one message, for an operator's tools."""

    state: str
    lease_until: float | None = None
    event: LifecycleEvent | None = None

    def outcome_unknown(self, now: float) -> bool:
        """A worker died while sending (lease run out), or a delivery already recorded that as failed.

        The same test as the condition of ``SendLedger.reopen_unknown``."""
        if self.state == _SENDING:
            return self.lease_until is not None and self.lease_until < now
        return (self.state == "failed" and self.event is not None
                and self.event.detail.get("reason") == UNKNOWN_OUTCOME_REASON)


class LostClaimError(RuntimeError):
    """This worker's lease ran out and another worker took the message over."""


class SendLedger:
    def __init__(
        self,
        settings: Settings,
        dynamodb: Any | None = None,
        *,
        lease_seconds: float = 120.0,
        claim_lease_seconds: float | None = None,
        retention_seconds: int = 7 * 24 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = settings.idempotency_table
        self._dynamodb = dynamodb or aws.client("dynamodb", settings)
        self._lease = lease_seconds
        self._claim_lease = lease_seconds if claim_lease_seconds is None else claim_lease_seconds
        self._retention = retention_seconds
        self._clock = clock

    def claim(self, tracking_id: str) -> Claim:
        owner = uuid.uuid4().hex
        now = self._clock()
        item = {
            "id": _s(_key(tracking_id)),
            "state": _s(_CLAIMED),
            "owner": _s(owner),
            "lease_until": _n(now + self._claim_lease),
            TTL_ATTRIBUTE: _n(int(now) + self._retention),
        }
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(id) OR #exp < :now"
                " OR (#state = :claimed AND lease_until < :now)",
                ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE, "#state": "state"},
                ExpressionAttributeValues={":now": _n(now), ":claimed": _s(_CLAIMED)},
            )
        except ClientError as exc:
            _reraise_unless_condition(exc)
            return self._existing(tracking_id, now)
        return Claim(ClaimStatus.CLAIMED, owner=owner)

    def sending(self, tracking_id: str, owner: str) -> None:
        """From here on a crash means 'outcome unknown'; the lease restarts for the send and its retries."""
        self._owned_update(tracking_id, owner, "SET #state = :sending, lease_until = :lease",
                           {":sending": _s(_SENDING), ":lease": _n(self._clock() + self._lease)})

    def settle(self, tracking_id: str, owner: str, event: LifecycleEvent) -> None:
        self._owned_update(tracking_id, owner, _SETTLE, _settled(event))

    def settle_unknown(self, tracking_id: str, event: LifecycleEvent) -> bool:
        """Record the failed outcome of a worker that died while sending; False if someone else did."""
        values = {**_settled(event), ":sending": _s(_SENDING), ":now": _n(self._clock())}
        return self._update(tracking_id, _SETTLE, "#state = :sending AND lease_until < :now", values)

    def release(self, tracking_id: str, owner: str) -> None:
        """Give the message back (nothing was delivered), so a redelivery can try again."""
        try:
            self._dynamodb.delete_item(
                TableName=self._table, Key={"id": _s(_key(tracking_id))},
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"}, ExpressionAttributeValues={":owner": _s(owner)},
            )
        except ClientError as exc:
            _reraise_unless_condition(exc)

    def entries(self, tracking_ids: Iterable[str]) -> dict[str, LedgerEntry]:
        """The entries of these messages (consistent reads, 100 a call); ids without one are left out."""
        keys = sorted({_key(tracking_id) for tracking_id in tracking_ids})
        found: dict[str, LedgerEntry] = {}
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            for item in self._items(keys[start:start + _BATCH_GET_LIMIT]):
                found[item["id"]["S"].removeprefix("ack#")] = _entry(item)
        return found

    def reopen_unknown(self, tracking_id: str) -> bool:
        """An operator's decision to send once more a reply whose delivery is unknown: the entry goes, so
        the next delivery claims the message afresh. Only while the entry says the outcome is unknown
        (``LedgerEntry.outcome_unknown``), so a message acknowledged meanwhile is never reopened; False
        when it says anything else."""
        try:
            self._dynamodb.delete_item(
                TableName=self._table, Key={"id": _s(_key(tracking_id))},
                ConditionExpression=_OUTCOME_UNKNOWN,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": _s(_SENDING), ":now": _n(self._clock()),
                                           ":failed": _s("failed"), ":unknown": _s(_UNKNOWN_OUTCOME_MARK)},
            )
        except ClientError as exc:
            _reraise_unless_condition(exc)
            return False
        return True

    def first_refusal(self, tracking_id: str) -> bool:
        """True the first time a server's refusal of this message (not about the address) is noted:
        its terminal ``failed`` is reported once, however often the event source redelivers it.
        A ``refused#<id>`` item of its own, since the message's entry is released for the retries."""
        item = {"id": _s(_refused_key(tracking_id)), TTL_ATTRIBUTE: _n(int(self._clock()) + self._retention)}
        try:
            self._dynamodb.put_item(TableName=self._table, Item=item,
                                    ConditionExpression="attribute_not_exists(id)")
        except ClientError as exc:
            _reraise_unless_condition(exc)
            return False
        return True

    def mark_reported(self, tracking_id: str) -> None:
        self._dynamodb.update_item(
            TableName=self._table, Key={"id": _s(_key(tracking_id))},
            UpdateExpression="SET reported = :yes", ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def mark_reported_all(self, events: Iterable[LifecycleEvent]) -> None:
        """``mark_reported`` for a batch's settled events, 25 per BatchWriteItem.

        A conditional update cannot be batched (and no local endpoint serves TransactWriteItems usably:
        dynalite lacks it, moto copies whole tables on every call), so each mark is an item of its own,
        ``reported#<id>``, naming the event it is for.
        """
        expiration = _n(int(self._clock()) + self._retention)
        marks = {event.id: {"id": _s(_reported_key(event.id)), "event": _s(_event_mark(event)),
                            TTL_ATTRIBUTE: expiration} for event in events}
        aws.put_all(self._dynamodb, self._table, list(marks.values()))

    def _owned_update(self, tracking_id: str, owner: str, update: str, values: dict[str, Any]) -> None:
        if not self._update(tracking_id, update, "#owner = :owner", {**values, ":owner": _s(owner)}):
            raise LostClaimError(f"lease on {tracking_id} expired and another worker took it over")

    def _update(self, tracking_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        """A conditional update; False when the condition did not hold."""
        expressions = update + condition
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": _s(_key(tracking_id))},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={k: v for k, v in _NAMES.items() if k in expressions},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            _reraise_unless_condition(exc)
            return False
        return True

    def _existing(self, tracking_id: str, now: float) -> Claim:
        item = self._item(_key(tracking_id))
        if item is None:  # settled item expired and deleted in between: let the next delivery claim it
            return Claim(ClaimStatus.BUSY)
        state = item["state"]["S"]
        if state == _SENDING and float(item["lease_until"]["N"]) < now:
            return Claim(ClaimStatus.UNKNOWN)
        if state in (_CLAIMED, _SENDING):
            return Claim(ClaimStatus.BUSY)
        event = codec.decode_as(LifecycleEvent, item["event"]["S"])
        return Claim(ClaimStatus.DONE, event=event, reported=self._reported(item, event))

    def _reported(self, item: dict[str, Any], event: LifecycleEvent) -> bool:
        if item.get("reported", {}).get("BOOL", False):
            return True
        mark = self._item(_reported_key(event.id))
        return mark is not None and mark["event"]["S"] == _event_mark(event)

    def _items(self, keys: list[str]) -> list[dict[str, Any]]:
        request = {self._table: {"Keys": [{"id": _s(key)} for key in keys], "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        while request:
            response = self._dynamodb.batch_get_item(RequestItems=request)
            items += response.get("Responses", {}).get(self._table, [])
            request = response.get("UnprocessedKeys") or {}
        return items

    def _item(self, key: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._dynamodb.get_item(
            TableName=self._table, Key={"id": _s(key)}, ConsistentRead=True).get("Item")
        return found


def _entry(item: dict[str, Any]) -> LedgerEntry:
    lease = item.get("lease_until")
    event = item.get("event")
    return LedgerEntry(item["state"]["S"], float(lease["N"]) if lease else None,
                       codec.decode_as(LifecycleEvent, event["S"]) if event else None)


def _settled(event: LifecycleEvent) -> dict[str, Any]:
    return {":state": _s(event.state), ":event": _s(codec.encode(event).decode()), ":no": {"BOOL": False}}


def _key(tracking_id: str) -> str:
    return f"ack#{tracking_id}"


def _reported_key(tracking_id: str) -> str:
    return f"reported#{tracking_id}"


def _refused_key(tracking_id: str) -> str:
    return f"refused#{tracking_id}"


def _event_mark(event: LifecycleEvent) -> str:
    """Which settled event a ``reported#`` item is about (a message claimed again after its retention
    ends has a new one)."""
    return f"{event.at.isoformat()}#{event.state}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def _reraise_unless_condition(exc: ClientError) -> None:
    if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise exc

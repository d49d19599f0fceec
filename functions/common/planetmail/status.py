"""The status timeline of each message (DynamoDB), behind ``GET /v1/emails/{id}``.

One item per lifecycle step: partition key ``id`` (tracking id), sort key ``seq``
(``<ISO time>#<state>``), so a Query returns the timeline in order and a redelivered step
overwrites itself instead of adding a row.

Batch handlers write their rows with ``record_all``: one BatchWriteItem per 25 rows instead of one
PutItem per row, which on the local AWS endpoint is about ten times cheaper per row.

The rows the SLA judgement reads (received, acknowledged, suppressed, sla_breach) also carry
``sla_bucket``, the UTC hour of the step: the sparse index ``sla-by-hour`` (keys only) lets the SLA
watchdog read a time window with one Query per hour instead of scanning the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from planetmail import aws
from planetmail.lifecycle import TERMINAL_STATES, LifecycleEvent
from planetmail.settings import Settings
from planetmail.sla import SLA_STATES

SLA_INDEX = "sla-by-hour"
SLA_BUCKET = "sla_bucket"
STATUS_TABLE_KEYS: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "seq", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "seq", "AttributeType": "S"},
        {"AttributeName": SLA_BUCKET, "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [{
        "IndexName": SLA_INDEX,
        "KeySchema": [{"AttributeName": SLA_BUCKET, "KeyType": "HASH"},
                      {"AttributeName": "seq", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }],
}
_STAGE_OF_SLA_STATE = {"received": "collector", "sla_breach": "watchdog"}


class StatusStore:
    def __init__(self, settings: Settings, dynamodb: Any | None = None) -> None:
        self._table = settings.status_table
        self._dynamodb = dynamodb or aws.client("dynamodb", settings)

    def record(self, event: LifecycleEvent) -> None:
        self._dynamodb.put_item(TableName=self._table, Item=row(event))

    def record_all(self, events: Iterable[LifecycleEvent]) -> None:
        """Write every row, 25 per call; aws.UnprocessedItemsError if DynamoDB does not take them all."""
        # A redelivered step has the same key; one call must not name a key twice (last one wins).
        items = {(item["id"]["S"], item["seq"]["S"]): item for item in map(row, events)}
        aws.put_all(self._dynamodb, self._table, list(items.values()))

    def timeline(self, tracking_id: str) -> list[dict[str, Any]]:
        """The message's steps, oldest first; empty when the id is unknown."""
        response = self._dynamodb.query(
            TableName=self._table,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": tracking_id}},
        )
        return [_step(item) for item in response.get("Items", [])]

    def sla_steps(self, since: datetime, until: datetime) -> Iterator[LifecycleEvent]:
        """The SLA-relevant steps of the hours from ``since`` to ``until`` (whole hours, so a little more)."""
        for bucket in sla_buckets(since, until):
            request = {"TableName": self._table, "IndexName": SLA_INDEX,
                       "KeyConditionExpression": f"{SLA_BUCKET} = :bucket",
                       "ExpressionAttributeValues": {":bucket": {"S": bucket}}}
            while True:
                page = self._dynamodb.query(**request)
                yield from (_sla_step(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sla_bucket(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


def sla_buckets(since: datetime, until: datetime) -> list[str]:
    """Every hour bucket from ``since`` to ``until``, oldest first."""
    hour = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    buckets = []
    while hour <= until:
        buckets.append(sla_bucket(hour))
        hour += timedelta(hours=1)
    return buckets


def row(event: LifecycleEvent) -> dict[str, Any]:
    """The step's item in the status table (for callers that write it together with other items)."""
    item = {
        "id": {"S": event.id},
        "seq": {"S": f"{event.at.isoformat()}#{event.state}"},
        "stage": {"S": event.stage},
        "state": {"S": event.state},
        "at": {"S": event.at.isoformat()},
        "detail": {"S": json.dumps(event.detail, default=str)},
    }
    if event.error:
        item["error"] = {"S": event.error}
    if event.state in SLA_STATES:
        item[SLA_BUCKET] = {"S": sla_bucket(event.at)}
    return item


def final_outcome(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Read side of ``GET /v1/emails/{id}``: has the message reached its final state, and which one.

    The last terminal step (acknowledged, suppressed with its reason, failed) is the outcome, unless a
    later ``retrying`` step reopened it (an operator's resend); steps after it that are not the
    pipeline's (staff inbox, SLA) do not change it. ``status`` alone is just the latest step."""
    outcome: dict[str, Any] | None = None
    for step in steps:
        if step["state"] in TERMINAL_STATES and step["stage"] != "config":
            outcome = {"state": step["state"], "stage": step["stage"], "at": step["at"],
                       "reason": step["detail"].get("reason")}
        elif step["state"] == "retrying":
            outcome = None
    return {"final": outcome is not None, "outcome": outcome}


def _sla_step(item: dict[str, Any]) -> LifecycleEvent:
    """A step from the keys-only index: the sort key ``<ISO time>#<state>`` holds all the SLA needs."""
    at, _, state = item["seq"]["S"].rpartition("#")
    return LifecycleEvent.model_validate({"id": item["id"]["S"], "state": state, "at": at,
                                          "stage": _STAGE_OF_SLA_STATE.get(state, "responder")})


def _step(item: dict[str, Any]) -> dict[str, Any]:
    step = {
        "stage": item["stage"]["S"],
        "state": item["state"]["S"],
        "at": item["at"]["S"],
        "detail": json.loads(item["detail"]["S"]),
    }
    if "error" in item:
        step["error"] = item["error"]["S"]
    return step

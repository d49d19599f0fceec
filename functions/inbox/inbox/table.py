"""The staff-state table: one item per message, what the inbox lists, plus one counter item per queue.

A message item holds the summary the lists show, the whole ``planetmail.email/v1`` record (zlib, the
message view and reassignment need it) and the staff state (category, open/handled, notes). ``queue``
(``<category>#<state>``) and ``listed_sender`` are set once both the email and its classification have
arrived, so only complete messages are listed; the ``queue-received`` index answers "a queue, oldest or
newest first", ``sender-received`` the search by sender. Neither ever needs a scan.

Counter items (``count#<category>#<state>#<language>``, attribute ``n``) hold the queue sizes, moved
with every state change, so the page's counts cost one BatchGetItem whatever the table's size.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from planetmail.classification import CATEGORIES, HUMAN_REVIEW, LANGUAGES

QUEUE_INDEX: Final = "queue-received"
SENDER_INDEX: Final = "sender-received"
STATES: Final = ("open", "handled")
QUEUES: Final = (HUMAN_REVIEW, *CATEGORIES)
"""Every queue, in the order the page shows them: human review first."""
COUNTED_LANGUAGES: Final = (*LANGUAGES, "")

SUMMARY_ATTRIBUTES: Final = (
    "subject", "sender_name", "snippet", "category", "state", "model_category", "confidence", "language",
    "priority", "acknowledged_at", "ack_state", "handled_at", "handled_by", "attachments", "subject_search",
)
"""Projected into both indexes: a list page is one Query, never a GetItem per row."""

_INDEX_PROJECTION: Final = {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(SUMMARY_ATTRIBUTES)}

INBOX_TABLE_KEYS: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "queue", "AttributeType": "S"},
        {"AttributeName": "listed_sender", "AttributeType": "S"},
        {"AttributeName": "received_at", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {"IndexName": QUEUE_INDEX, "Projection": _INDEX_PROJECTION,
         "KeySchema": [{"AttributeName": "queue", "KeyType": "HASH"},
                       {"AttributeName": "received_at", "KeyType": "RANGE"}]},
        {"IndexName": SENDER_INDEX, "Projection": _INDEX_PROJECTION,
         "KeySchema": [{"AttributeName": "listed_sender", "KeyType": "HASH"},
                       {"AttributeName": "received_at", "KeyType": "RANGE"}]},
    ],
}


TRACKING_ID: Final = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
"""A ULID (``planetmail.inbound.new_tracking_id``): anything else names no message."""


def queue_key(category: str, state: str) -> str:
    return f"{category}#{state}"


def counter_id(category: str, state: str, language: str) -> str:
    return f"count#{category}#{state}#{language}"


def sortable_time(moment: datetime) -> str:
    """UTC with microseconds and a Z: strings that sort as the times do (the index's range key)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (typed attribute values) as plain JSON values; binary attributes left out."""
    return {name: _plain_value(value) for name, value in item.items() if "B" not in value}


def _plain_value(value: dict[str, Any]) -> Any:
    kind, raw = next(iter(value.items()))
    if kind == "N":
        number = float(raw)
        return int(number) if number.is_integer() and "." not in raw else number
    if kind == "L":
        return [_plain_value(entry) for entry in raw]
    if kind == "M":
        return plain(raw)
    if kind == "NULL":
        return None
    return raw

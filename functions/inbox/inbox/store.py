"""Reads and writes of the staff-state table (layout in ``inbox.table``).

Every write is an UpdateItem, so the email, its classification and its acknowledgement can arrive in
any order and any number of times: each sets its own attributes, and the message joins its queue
(and the queue's counter moves) exactly once, when the last of email and classification lands.
A staff change is conditional on the category and state the staff member saw.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import zlib
from typing import Any, Final

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import ValidationError

from inbox.table import (
    COUNTED_LANGUAGES,
    QUEUE_INDEX,
    QUEUES,
    SENDER_INDEX,
    STATES,
    TRACKING_ID,
    counter_id,
    plain,
    queue_key,
    sortable_time,
)
from planetmail.classification import Explanation
from planetmail.inbound import InboundEmail

logger = Logger(service="inbox")
SNIPPET_LENGTH: Final = 160
MAX_PAGES_PER_LIST: Final = 10
"""Index pages read for one filtered list request before answering with what was found and a cursor."""


class StaleDecision(Exception):
    """The message changed (another staff member, or it is not listed yet) since it was read."""


class BadCursor(ValueError):
    """A ``cursor`` that this store did not hand out."""


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    cursor: str | None


class InboxStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    # -- what the indexer writes ------------------------------------------------------------------

    def add_email(self, email: InboundEmail) -> None:
        old = self._merge(email.id, email_attributes(email), returning="ALL_OLD")
        if "category" in old and "queue" not in old:  # the verdict came first: this completes it
            self._enqueue({**old, "id": {"S": email.id}})

    def add_classification(self, tracking_id: str, detail: dict[str, Any]) -> None:
        """The processor's verdict; a staff decision taken since (``category``, ``state``) is kept.

        Usually the email is there already, so the merge joins the queue in the same write; when it is
        not (or a staff decision or an earlier verdict was), a plain merge says what to do.
        """
        values = verdict_attributes(detail)
        keep = {"category": values["model_category"], "state": {"S": "open"}}
        try:
            self._merge_and_enqueue(tracking_id, values, keep)
        except ClientError as exc:
            if not _conditional(exc):
                raise
            item = self._merge(tracking_id, values, keep, returning="ALL_NEW")
            if "email" in item and "category" in item and "queue" not in item:
                self._enqueue(item)
            return
        self._count(values["model_category"]["S"], "open", _language(values), 1)

    def add_acknowledgement(self, tracking_id: str, outcome: str, at: str) -> None:
        self._merge(tracking_id, {"ack_state": {"S": outcome}}, keep={"acknowledged_at": {"S": at}})

    def _merge(self, tracking_id: str, values: dict[str, Any], keep: dict[str, Any] | None = None,
               returning: str = "NONE") -> dict[str, Any]:
        """Set ``values``, and ``keep`` where absent; the item as ``returning`` says (never the
        stored email echoed back unless asked for)."""
        names, expression, attributes = _merge_expression(values, keep or {})
        response = self._dynamodb.update_item(
            TableName=self._table, Key={"id": {"S": tracking_id}}, ReturnValues=returning,
            UpdateExpression=expression, ExpressionAttributeNames=names,
            ExpressionAttributeValues=attributes)
        return dict(response.get("Attributes", {}))

    def _merge_and_enqueue(self, tracking_id: str, values: dict[str, Any], keep: dict[str, Any]) -> None:
        """The merge plus joining the queue, only while the email is stored, the item is in no queue yet
        and nothing else set its category or state (else ConditionalCheckFailed)."""
        names, expression, attributes = _merge_expression(values, keep)
        names |= {"#queue": "queue", "#email": "email"}
        attributes[":queue"] = {"S": queue_key(keep["category"]["S"], keep["state"]["S"])}
        self._dynamodb.update_item(
            TableName=self._table, Key={"id": {"S": tracking_id}},
            UpdateExpression=f"{expression}, #queue = :queue, listed_sender = sender",
            ConditionExpression=("attribute_exists(#email) AND attribute_not_exists(#queue)"
                                 " AND (attribute_not_exists(#category) OR #category = :category)"
                                 " AND (attribute_not_exists(#state) OR #state = :state)"),
            ExpressionAttributeNames=names, ExpressionAttributeValues=attributes)

    def _enqueue(self, item: dict[str, Any]) -> None:
        category, state = item["category"]["S"], item["state"]["S"]
        try:
            self._dynamodb.update_item(
                TableName=self._table, Key={"id": item["id"]},
                UpdateExpression="SET #queue = :queue, listed_sender = sender",
                ConditionExpression="attribute_not_exists(#queue)",
                ExpressionAttributeNames={"#queue": "queue"},
                ExpressionAttributeValues={":queue": {"S": queue_key(category, state)}})
        except ClientError as exc:
            if _conditional(exc):
                return  # the other writer enqueued it (and counted it)
            raise
        self._count(category, state, _language(item), 1)

    # -- what staff read -------------------------------------------------------------------------

    def get(self, tracking_id: str) -> dict[str, Any] | None:
        """The listed message, or None (also for a string that cannot be a tracking id)."""
        if not TRACKING_ID.fullmatch(tracking_id):
            return None
        item = self._dynamodb.get_item(TableName=self._table, Key={"id": {"S": tracking_id}}).get("Item")
        return item if item and "queue" in item else None

    def queue_page(self, category: str, state: str, *, limit: int, cursor: str | None = None,
                   newest_first: bool = False, language: str | None = None,
                   subject: str | None = None) -> Page:
        """One page of a queue; ``language`` and ``subject`` (a substring) filter the index's rows."""
        names = {"#queue": "queue"}
        values = {":queue": {"S": queue_key(category, state)}}
        filters = []
        if language is not None:
            names["#language"], values[":language"] = "language", {"S": language}
            filters.append("#language = :language")
        if subject:
            names["#subject"], values[":subject"] = "subject_search", {"S": subject.casefold()}
            filters.append("contains(#subject, :subject)")
        query: dict[str, Any] = {"IndexName": QUEUE_INDEX, "KeyConditionExpression": "#queue = :queue",
                                 "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        return self._page(query, limit, cursor, newest_first)

    def sender_page(self, sender: str, *, limit: int, cursor: str | None = None) -> Page:
        query = {"IndexName": SENDER_INDEX, "KeyConditionExpression": "listed_sender = :sender",
                 "ExpressionAttributeValues": {":sender": {"S": sender.strip().lower()}}}
        return self._page(query, limit, cursor, newest_first=True)

    def _page(self, query: dict[str, Any], limit: int, cursor: str | None, newest_first: bool) -> Page:
        """Up to ``limit`` items; a filter may need several index pages (bounded by MAX_PAGES_PER_LIST)."""
        items: list[dict[str, Any]] = []
        start = decode_cursor(cursor)
        for _ in range(MAX_PAGES_PER_LIST):
            extra = {"ExclusiveStartKey": start} if start else {}
            response = self._dynamodb.query(TableName=self._table, Limit=limit - len(items),
                                            ScanIndexForward=not newest_first, **query, **extra)
            items += response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if not start or len(items) >= limit:
                break
        return Page([plain(item) for item in items], encode_cursor(start) if start else None)

    def counts(self) -> dict[str, dict[str, dict[str, int]]]:
        """category → state → language → messages (every queue named, zero when never used)."""
        keys = [{"id": {"S": counter_id(category, state, language)}}
                for category in QUEUES for state in STATES for language in COUNTED_LANGUAGES]
        found: dict[str, int] = {}
        for start in range(0, len(keys), 100):
            request = {self._table: {"Keys": keys[start:start + 100], "ProjectionExpression": "id, n"}}
            while request:
                response = self._dynamodb.batch_get_item(RequestItems=request)
                found.update({item["id"]["S"]: int(item["n"]["N"])
                              for item in response["Responses"].get(self._table, [])})
                request = response.get("UnprocessedKeys") or {}
        return {category: {state: {language: found.get(counter_id(category, state, language), 0)
                                   for language in COUNTED_LANGUAGES} for state in STATES}
                for category in QUEUES}

    # -- what staff change -----------------------------------------------------------------------

    def move(self, item: dict[str, Any], category: str, state: str, extra: dict[str, Any]) -> dict[str, Any]:
        """Set category/state (and ``extra`` attributes) if the message still has those of ``item``."""
        old_category, old_state = item["category"]["S"], item["state"]["S"]
        values = {"category": {"S": category}, "state": {"S": state},
                  "queue": {"S": queue_key(category, state)}, **extra}
        try:
            updated = self._dynamodb.update_item(
                TableName=self._table, Key={"id": item["id"]}, ReturnValues="ALL_NEW",
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in values),
                ConditionExpression="#queue = :seen",
                ExpressionAttributeNames={f"#{name}": name for name in values},
                ExpressionAttributeValues={**{f":{name}": value for name, value in values.items()},
                                           ":seen": {"S": queue_key(old_category, old_state)}},
            )["Attributes"]
        except ClientError as exc:
            if _conditional(exc):
                raise StaleDecision(
                    f"message {item['id']['S']} changed since it was read; reload it") from None
            raise
        if (old_category, old_state) != (category, state):
            self._count(old_category, old_state, _language(item), -1)
            self._count(category, state, _language(item), 1)
        return dict(updated)

    def add_note(self, tracking_id: str, note: dict[str, str]) -> None:
        entry = {"M": {name: {"S": value} for name, value in note.items()}}
        self._dynamodb.update_item(
            TableName=self._table, Key={"id": {"S": tracking_id}},
            UpdateExpression="SET notes = list_append(if_not_exists(notes, :empty), :note)",
            ConditionExpression="attribute_exists(#queue)", ExpressionAttributeNames={"#queue": "queue"},
            ExpressionAttributeValues={":empty": {"L": []}, ":note": {"L": [entry]}})

    def _count(self, category: str, state: str, language: str, change: int) -> None:
        self._dynamodb.update_item(
            TableName=self._table, Key={"id": {"S": counter_id(category, state, language)}},
            UpdateExpression="ADD n :change", ExpressionAttributeValues={":change": {"N": str(change)}})


def email_attributes(email: InboundEmail) -> dict[str, Any]:
    return {
        "received_at": {"S": sortable_time(email.received_at)},
        "sender": {"S": email.sender},
        "sender_name": {"S": email.from_.name},
        "subject": {"S": email.subject},
        "subject_search": {"S": email.subject.casefold()},
        "snippet": {"S": " ".join(email.text.split())[:SNIPPET_LENGTH]},
        "attachments": {"N": str(len(email.attachments))},
        "email": {"B": packed(email)},
    }


def verdict_attributes(detail: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "model_category": {"S": str(detail.get("category", ""))},
        "confidence": {"N": str(float(detail.get("confidence", 0.0)))},
        "language": {"S": str(detail.get("language", ""))},
        "priority": {"S": str(detail.get("priority", "normal"))},
        "model_version": {"S": str(detail.get("model_version", ""))},
    }
    explanation = explanation_of(detail)
    if explanation is not None:
        values["explanation"] = {"M": {"towards": {"S": explanation.towards}, "signals": {"L": [
            {"M": {"name": {"S": signal.name}, "weight": {"N": repr(signal.weight)}}}
            for signal in explanation.signals]}}}
    return values


def explanation_of(detail: dict[str, Any]) -> Explanation | None:
    """The processor's top signals (``planetmail.classification.Explanation``) when the verdict has
    them; a verdict from before they were published, or a malformed one, has none (it is still listed)."""
    found = detail.get("explanation")
    if found is None:
        return None
    try:
        return Explanation.model_validate(found)
    except ValidationError:
        logger.warning("ignoring a malformed explanation", extra={"explanation": str(found)[:200]})
        return None


def listed_item(email: InboundEmail, detail: dict[str, Any]) -> dict[str, Any]:
    """The item the merges leave once email and verdict arrived (bulk loads write it in one put; the
    queue's counter is then the loader's to set)."""
    category = str(detail.get("category", ""))
    return {"id": {"S": email.id}, **email_attributes(email), **verdict_attributes(detail),
            "category": {"S": category}, "state": {"S": "open"}, "queue": {"S": queue_key(category, "open")},
            "listed_sender": {"S": email.sender}}


def packed(email: InboundEmail) -> bytes:
    """The whole record, compressed: bodies up to the inline limit stay far below DynamoDB's 400 KB."""
    return zlib.compress(email.model_dump_json(by_alias=True).encode("utf-8"))


def email_of(item: dict[str, Any]) -> InboundEmail:
    return InboundEmail.model_validate_json(zlib.decompress(item["email"]["B"]))


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise BadCursor(f"cursor {cursor[:40]!r} is not one this API handed out") from None
    if not isinstance(key, dict) or not all(isinstance(v, dict) and set(v) == {"S"} for v in key.values()):
        raise BadCursor(f"cursor {cursor[:40]!r} is not one this API handed out")
    return key


def _merge_expression(values: dict[str, Any],
                      keep: dict[str, Any]) -> tuple[dict[str, str], str, dict[str, Any]]:
    """Names, ``SET`` expression and values that set ``values`` and set ``keep`` only where absent."""
    names = {f"#{name}": name for name in (*values, *keep)}
    assignments = [f"#{name} = :{name}" for name in values]
    assignments += [f"#{name} = if_not_exists(#{name}, :{name})" for name in keep]
    attributes = {f":{name}": value for name, value in {**values, **keep}.items()}
    return names, "SET " + ", ".join(assignments), attributes


def _language(item: dict[str, Any]) -> str:
    language = item.get("language", {}).get("S", "")
    return language if language in COUNTED_LANGUAGES else ""


def _conditional(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")

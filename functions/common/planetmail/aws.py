"""boto3 clients pointed at the configured AWS endpoint: the local stack's, LocalStack, or AWS itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import boto3
from botocore.config import Config

from planetmail.settings import Settings

_CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)


def client(service: str, settings: Settings) -> Any:
    """A boto3 client; on a laptop the endpoint is the local stack's (dynalite + moto), with dummy keys."""
    options: dict[str, Any] = {"region_name": settings.aws_region, "config": _CLIENT_CONFIG}
    if settings.aws_endpoint_url:
        options["endpoint_url"] = settings.aws_endpoint_url
        options.setdefault("aws_access_key_id", "testing")
        options.setdefault("aws_secret_access_key", "testing")
    return boto3.client(service, **options)  # type: ignore[call-overload]


BATCH_WRITE_LIMIT: Final = 25
"""DynamoDB's maximum number of items in one BatchWriteItem call."""
UNPROCESSED_ATTEMPTS: Final = 5
"""Calls per chunk while DynamoDB hands back unprocessed items (throttling), with a growing pause."""


class UnprocessedItemsError(RuntimeError):
    """DynamoDB still had not written some items after the retries."""


def put_all(dynamodb: Any, table: str, items: Sequence[dict[str, Any]],
            pause: Callable[[float], None] = time.sleep) -> None:
    """Put every item with BatchWriteItem, 25 a call: one request instead of 25 (on moto ten times cheaper).

    The items must have distinct keys. Raises UnprocessedItemsError when throttling outlasts the retries.
    """
    for start in range(0, len(items), BATCH_WRITE_LIMIT):
        _put_chunk(dynamodb, table, items[start:start + BATCH_WRITE_LIMIT], pause)


def put_across(dynamodb: Any, items: Mapping[str, dict[str, Any]],
               pause: Callable[[float], None] = time.sleep) -> None:
    """Put one item in each of several tables (at most 25) with a single BatchWriteItem call."""
    _write({table: [{"PutRequest": {"Item": item}}] for table, item in items.items()}, dynamodb, pause)


def _put_chunk(dynamodb: Any, table: str, items: Sequence[dict[str, Any]],
               pause: Callable[[float], None]) -> None:
    _write({table: [{"PutRequest": {"Item": item}} for item in items]}, dynamodb, pause)


def _write(requests: dict[str, Any], dynamodb: Any, pause: Callable[[float], None]) -> None:
    for attempt in range(UNPROCESSED_ATTEMPTS):
        if attempt:
            pause(0.05 * 2 ** attempt)
        requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not requests:
            return
    left = sum(len(pending) for pending in requests.values())
    raise UnprocessedItemsError(f"{left} items unprocessed after {UNPROCESSED_ATTEMPTS} calls")

"""AWS event-filtering patterns on Kafka records: equality, prefix, numeric, exists, anything-but.

A record matches when any pattern matches; a pattern matches when every key matches. The record is
seen as ``{"topic", "partition", "offset", "timestamp", "value": <the JSON value>}``.
"""

from __future__ import annotations

import base64
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MISSING = object()


def record_matches(patterns: Sequence[Mapping[str, Any]], document: Mapping[str, Any]) -> bool:
    return not patterns or any(_object_matches(pattern, document) for pattern in patterns)


def filter_document(
    topic: str, partition: int, offset: int, timestamp: int, value: bytes | None
) -> dict[str, Any]:
    try:
        decoded: Any = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        decoded = base64.b64encode(value or b"").decode()  # AWS filters non-JSON values as a plain string
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": timestamp,
        "value": decoded,
    }


def _object_matches(pattern: Mapping[str, Any], document: Any) -> bool:
    for key, expected in pattern.items():
        actual = document.get(key, _MISSING) if isinstance(document, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if actual is _MISSING or not _object_matches(expected, actual):
                return False
        elif not _value_matches(expected, actual):
            return False
    return True


def _value_matches(rules: Sequence[Any], actual: Any) -> bool:
    candidates = actual if isinstance(actual, list) else [actual]
    return any(_rule_matches(rule, candidate) for rule in rules for candidate in candidates)


def _rule_matches(rule: Any, actual: Any) -> bool:
    if not isinstance(rule, Mapping):
        return (
            actual is not _MISSING and rule == actual and isinstance(rule, bool) == isinstance(actual, bool)
        )
    ((kind, argument),) = rule.items()
    if kind == "exists":
        return (actual is not _MISSING) == bool(argument)
    if actual is _MISSING:
        return False
    if kind == "prefix":
        return isinstance(actual, str) and actual.startswith(argument)
    if kind == "numeric":
        return _numeric_matches(argument, actual)
    if kind == "anything-but":
        return not _anything_but_excludes(argument, actual)
    raise ValueError(
        f"filter rule {kind!r} is not supported (use equality, prefix, numeric, exists, anything-but)"
    )


def _numeric_matches(conditions: Sequence[Any], actual: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    pairs = zip(conditions[::2], conditions[1::2], strict=True)
    return all(_NUMERIC[op](actual, float(bound)) for op, bound in pairs)


def _anything_but_excludes(argument: Any, actual: Any) -> bool:
    if isinstance(argument, Mapping):
        return _rule_matches(argument, actual)
    excluded = argument if isinstance(argument, list) else [argument]
    return actual in excluded

"""FilterCriteria on Kafka record values (AWS event-filtering syntax)."""

from __future__ import annotations

import pytest

from planetmail_local.emulator.kafka.filters import filter_document, record_matches

VALUE = b'{"kind": "order", "total": 12.5, "tags": ["a", "b"], "customer": {"tier": "gold"}, "note": null}'


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ({"value": {"kind": ["order"]}}, True),
        ({"value": {"kind": ["refund", "order"]}}, True),
        ({"value": {"kind": ["refund"]}}, False),
        ({"value": {"kind": [{"prefix": "ord"}]}}, True),
        ({"value": {"kind": [{"prefix": "ref"}]}}, False),
        ({"value": {"total": [{"numeric": [">", 10, "<=", 12.5]}]}}, True),
        ({"value": {"total": [{"numeric": ["<", 10]}]}}, False),
        ({"value": {"kind": [{"numeric": [">", 0]}]}}, False),
        ({"value": {"missing": [{"exists": False}]}}, True),
        ({"value": {"kind": [{"exists": True}]}}, True),
        ({"value": {"kind": [{"exists": False}]}}, False),
        ({"value": {"kind": [{"anything-but": ["refund"]}]}}, True),
        ({"value": {"kind": [{"anything-but": "order"}]}}, False),
        ({"value": {"kind": [{"anything-but": {"prefix": "or"}}]}}, False),
        ({"value": {"tags": ["b"]}}, True),
        ({"value": {"customer": {"tier": ["gold"]}}}, True),
        ({"value": {"customer": {"tier": ["silver"]}}}, False),
        ({"value": {"note": [None]}}, True),
        ({"partition": [3]}, True),
        ({"partition": [4]}, False),
    ],
)
def test_pattern_table(pattern, matches):
    document = filter_document("t", 3, 7, 0, VALUE)
    assert record_matches([pattern], document) is matches


def test_any_pattern_may_match_and_no_pattern_matches_everything():
    document = filter_document("t", 0, 0, 0, VALUE)
    assert record_matches([{"value": {"kind": ["x"]}}, {"value": {"kind": ["order"]}}], document)
    assert record_matches([], document)


def test_non_json_values_never_match_value_fields():
    document = filter_document("t", 0, 0, 0, b"\xff\x00 not json")
    assert not record_matches([{"value": {"kind": ["order"]}}], document)


def test_booleans_are_not_numbers():
    document = filter_document("t", 0, 0, 0, b'{"flag": true}')
    assert not record_matches([{"value": {"flag": [1]}}], document)
    assert record_matches([{"value": {"flag": [True]}}], document)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="not supported"):
        record_matches([{"value": {"kind": [{"wildcard": "*"}]}}], filter_document("t", 0, 0, 0, VALUE))

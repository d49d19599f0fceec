"""The cost benchmark's reading of AWS requests: which operation, how many request units."""

from __future__ import annotations

import json

import pytest

from planetmail_local.bench.aws_calls import dynamodb_units, operation_of


@pytest.mark.parametrize(("method", "headers", "body", "expected"), [
    ("POST", {"X-Amz-Target": "DynamoDB_20120810.BatchWriteItem"}, b"{}", "dynamodb:BatchWriteItem"),
    ("POST", {"X-Amz-Target": "AmazonSSM.GetParameter"}, b"{}", "ssm:GetParameter"),
    ("POST", {}, b"Action=Publish&TopicArn=arn", "query-api:Publish"),
    ("PUT", {}, b"raw mail", "s3:PutObject"),
    ("GET", {}, b"", "s3:GetObject"),
])
def test_the_operation_is_named_as_iam_names_it(method: str, headers: dict[str, str], body: bytes,
                                                 expected: str) -> None:
    assert operation_of(method, "/bucket/key", headers, body) == expected


def test_a_batch_write_costs_a_unit_per_started_kilobyte_of_each_item_and_one_per_index_entry() -> None:
    small = {"id": {"S": "a"}, "seq": {"S": "2026#received"}}
    indexed = {**small, "sla_bucket": {"S": "2026-12-05T12"}}
    large = {"id": {"S": "b"}, "detail": {"S": "x" * 1500}}
    puts = [{"PutRequest": {"Item": item}} for item in (small, indexed, large)]
    request = {"RequestItems": {"status": puts}}

    assert dynamodb_units("BatchWriteItem", request, b"") == {"dynamodb:WRU": 1 + 2 + 2}


def test_reads_cost_a_unit_per_item_or_per_started_4_kb_of_a_query() -> None:
    keys = {"RequestItems": {"idem": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "b"}}]}}}

    assert dynamodb_units("GetItem", {"Key": {}}, b"{}") == {"dynamodb:RRU": 1}
    assert dynamodb_units("BatchGetItem", keys, b"{}") == {"dynamodb:RRU": 2}
    assert dynamodb_units("Query", {}, json.dumps({"Items": ["x" * 5000]}).encode()) == {"dynamodb:RRU": 2}
    assert dynamodb_units("DescribeTable", {}, b"{}") == {}

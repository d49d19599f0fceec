"""The local AWS endpoint's front (infra/aws_endpoint/front.js): DynamoDB by dynalite, the rest by moto.

Each test runs its own front on a free port, forwarding to the running stack's moto server.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig, free_port
from planetmail_local.stack.services import AwsEndpoint

pytestmark = pytest.mark.integration


@pytest.fixture
def front(stack_settings: Settings, tmp_path) -> Iterator[str]:
    shared = StackConfig.from_settings(stack_settings)
    url = f"http://127.0.0.1:{free_port()}"
    endpoint = AwsEndpoint(StackConfig(state_dir=tmp_path, cache_dir=shared.cache_dir, aws_endpoint_url=url,
                                       moto_port=shared.moto_port))
    log = (tmp_path / "front.log").open("wb")
    process = subprocess.Popen(endpoint.command(), env={**endpoint.environment()}, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def dynamodb(url: str):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_client_gone_mid_request_does_not_take_the_endpoint_down(front: str) -> None:
    address = urlsplit(front)
    for target in ("DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateTimeToLive", "S3"):
        with socket.create_connection((address.hostname, address.port)) as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\n"
                         "Content-Length: 1000\r\n\r\n{\"TableName\":".encode())
        time.sleep(0.2)  # the front reads the partial body, then the connection is gone

    assert "TableNames" in dynamodb(front).list_tables()


def test_time_to_live_is_remembered_per_table(front: str) -> None:
    client = dynamodb(front)
    table = f"ttl-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    try:
        assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "DISABLED"}
        client.update_time_to_live(TableName=table,
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})
        assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    finally:
        client.delete_table(TableName=table)


@pytest.mark.parametrize("call", [
    lambda client, table: client.describe_time_to_live(TableName=table),
    lambda client, table: client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}),
], ids=["describe", "update"])
def test_time_to_live_of_an_unknown_table_is_refused_as_dynamodb_does(front: str, call: Any) -> None:
    with pytest.raises(ClientError) as refused:
        call(dynamodb(front), f"missing-{uuid.uuid4().hex[:8]}")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_other_services_reach_moto_on_a_connection_kept_alive(front: str) -> None:
    with httpx.Client() as client:
        first = client.get(f"{front}/moto-api/")
        second = client.get(f"{front}/moto-api/")
    assert first.status_code == second.status_code == 200
    assert [r.headers.get("connection", "").lower() for r in (first, second)] == ["keep-alive"] * 2


def _wait_until_listening(url: str, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    address = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the front exited at start"
        with contextlib.suppress(OSError), socket.create_connection((address.hostname, address.port), 0.2):
            return
        time.sleep(0.1)
    raise AssertionError(f"the front did not listen on {url} within {timeout} s")

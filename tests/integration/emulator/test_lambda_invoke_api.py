"""boto3's Lambda client against the emulator's Invoke API, and the status endpoint."""

from __future__ import annotations

import json

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


@pytest.fixture
def lambda_client(emulator):
    return boto3.client(
        "lambda",
        endpoint_url=emulator.lambda_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 0}, read_timeout=15),
    )


def test_request_response(lambda_client):
    response = lambda_client.invoke(FunctionName="EchoFunction", Payload=json.dumps({"hi": 1}).encode())
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["event"] == {"hi": 1}
    assert response["ExecutedVersion"] == "$LATEST"


def test_function_error_is_flagged_unhandled(lambda_client):
    response = lambda_client.invoke(
        FunctionName="arn:aws:lambda:us-east-1:123456789012:function:FailFunction"
    )
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"


def test_event_and_dry_run(lambda_client, emulator):
    event = lambda_client.invoke(FunctionName="EchoFunction", InvocationType="Event", Payload=b"{}")
    dry = lambda_client.invoke(FunctionName="EchoFunction", InvocationType="DryRun")
    assert (event["StatusCode"], dry["StatusCode"]) == (202, 204)


def test_unknown_function_and_bad_payload(lambda_client):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.invoke(FunctionName="Nope")
    with pytest.raises(lambda_client.exceptions.InvalidRequestContentException):
        lambda_client.invoke(FunctionName="EchoFunction", Payload=b"{not json")


def test_status_endpoint_lists_functions_and_mappings(emulator):
    status = httpx.get(f"{emulator.lambda_url}/_emulator/status").json()
    assert "EchoFunction" in status["functions"]
    assert set(status["mappings"]) == {m.name for m in emulator.app.kafka_mappings}


def test_payloads_over_lambdas_quota_are_request_entity_too_large(lambda_client):
    """6 MB for RequestResponse, 1 MB for Event: Lambda's quotas, RequestEntityTooLargeException (413)."""
    sync = json.dumps({"blob": "x" * (6 * 1024 * 1024)}).encode()
    event = json.dumps({"blob": "x" * (1024 * 1024)}).encode()
    for payload, invocation_type, limit in ((sync, "RequestResponse", 6291456), (event, "Event", 1048576)):
        with pytest.raises(ClientError) as refused:
            lambda_client.invoke(FunctionName="EchoFunction", InvocationType=invocation_type, Payload=payload)
        error = refused.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "RequestEntityTooLargeException", 413)
        assert f"smaller than {limit} bytes" in error["Error"]["Message"]
    small = json.dumps({"blob": "x" * 1000}).encode()
    assert lambda_client.invoke(FunctionName="EchoFunction", Payload=small)["StatusCode"] == 200

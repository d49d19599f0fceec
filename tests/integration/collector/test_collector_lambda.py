"""The Lambda entry point ``collector.app.handler`` (Mangum) with API Gateway HTTP API (v2) events."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from collector_payloads import API_TOKEN, fixture_bytes

import collector.app
from collector.runtime import Runtime

pytestmark = pytest.mark.integration


class _Context:
    function_name = "CollectorFunction"
    aws_request_id = "test-request"


@pytest.fixture
def lambda_handler(runtime: Runtime) -> Iterator[Any]:
    """The module's own handler object, with the test's runtime in place of the lazily configured one."""
    state = collector.app.app.state
    default = state.runtime
    state.runtime = runtime
    yield collector.app.handler
    state.runtime = default


def http_api_event(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795000000000,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def rest_api_event(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": "req-1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


@pytest.mark.parametrize("make_event", [http_api_event, rest_api_event], ids=["http-api-v2", "rest-api-v1"])
def test_sendgrid_through_the_lambda_handler(lambda_handler: Any, received, make_event: Any) -> None:
    basic = base64.b64encode(b"sg-user:sg-pass").decode()
    # a text of its own per event type: the same content twice would be one message (dedupe)
    body = fixture_bytes("sendgrid/default_data.txt").replace(b"Hello Twilio SendGrid!",
                                                              make_event.__name__.encode())
    event = make_event(
        "POST",
        "/webhooks/sendgrid",
        body,
        {"Content-Type": "multipart/form-data; boundary=xYzZY", "Authorization": f"Basic {basic}"},
    )

    response = lambda_handler(event, _Context())

    assert response["statusCode"] == 202, response
    [email] = received(1)
    assert json.loads(response["body"])["id"] == email.id
    assert email.subject == "Testing non-raw"


def test_problem_responses_survive_the_lambda_handler(lambda_handler: Any) -> None:
    event = http_api_event(
        "POST",
        "/v1/emails",
        b"{broken",
        {"Content-Type": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
    )

    response = lambda_handler(event, _Context())

    assert response["statusCode"] == 400
    assert response["headers"]["content-type"] == "application/problem+json"
    assert "not valid JSON" in json.loads(response["body"])["detail"]

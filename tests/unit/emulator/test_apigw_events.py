"""Pure API Gateway event constructors and proxy responses, checked against SAM's samples."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planetmail_local.emulator.apigw.errors import gateway_error
from planetmail_local.emulator.apigw.events import (
    InvalidResponse,
    http_api_event,
    proxy_response,
    rest_api_event,
)
from planetmail_local.emulator.apigw.request import GatewayRequest
from planetmail_local.emulator.apigw.routes import RouteMatch, RouteTable
from planetmail_local.emulator.model import HttpRoute

EVENTS = Path(__file__).parents[3] / "tests" / "fixtures" / "sam_app" / "events"  # SAM's generic samples
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ROUTES = RouteTable(
    [
        HttpRoute("Status", "GET", "/v1/emails/{id}", "2.0", "HttpApi"),
        HttpRoute("Files", "ANY", "/files/{proxy+}", "2.0", "HttpApi"),
        HttpRoute("Readme", "GET", "/files/readme", "2.0", "HttpApi"),
        HttpRoute("Rest", "POST", "/rest/{id}", "1.0", "Api"),
    ]
)


def _request(method: str, path: str, **kwargs: object) -> GatewayRequest:
    return GatewayRequest(method, path, **kwargs)  # type: ignore[arg-type]


def _match(method: str, path: str) -> RouteMatch:
    match = ROUTES.match(method, path)
    assert match is not None
    return match


@pytest.mark.parametrize(
    ("method", "path", "function", "parameters"),
    [
        ("GET", "/v1/emails/abc", "Status", {"id": "abc"}),
        ("GET", "/files/readme", "Readme", {}),
        ("DELETE", "/files/a/b/c.txt", "Files", {"proxy": "a/b/c.txt"}),
        ("POST", "/rest/7", "Rest", {"id": "7"}),
        ("GET", "/v1/emails/abc/", "Status", {"id": "abc"}),  # API Gateway ignores a trailing slash
    ],
)
def test_routes_match_parameters_and_greedy_proxy(method, path, function, parameters):
    match = ROUTES.match(method, path)
    assert match is not None
    assert (match.route.function, match.path_parameters) == (function, parameters)


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/v1/emails/abc"), ("GET", "/v1/emails"), ("GET", "/v1/emails/a/b")]
)
def test_unmatched_requests(method, path):
    assert ROUTES.match(method, path) is None


def test_http_api_event_has_the_sample_shape():
    request = _request(
        "GET",
        "/v1/emails/abc",
        query="a=1&a=2&b=",
        headers=(("Host", "x"), ("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "c1=1; c2=2")),
        body=b'{"k": 1}',
    )
    event = http_api_event(request, _match("GET", "/v1/emails/abc"), "req-1", NOW)
    sample = json.loads((EVENTS / "apigateway-http-api-proxy.json").read_text())
    assert set(event) == set(sample) - {"stageVariables"}
    assert set(event["requestContext"]) <= set(sample["requestContext"])
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    assert event["routeKey"] == "GET /v1/emails/{id}"
    assert event["headers"] == {"host": "x", "x-multi": "1,2"}
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert (event["body"], event["isBase64Encoded"]) == ('{"k": 1}', False)
    assert event["requestContext"]["timeEpoch"] == int(NOW.timestamp() * 1000)


def test_rest_api_event_has_the_sample_shape():
    request = _request(
        "POST", "/rest/7", query="a=1&a=2", headers=(("Content-Type", "text/plain"),), body=b"hi"
    )
    event = rest_api_event(request, _match("POST", "/rest/7"), "req-1", NOW)
    sample = json.loads((EVENTS / "apigateway-aws-proxy.json").read_text())
    assert set(event) == set(sample)
    assert set(event["requestContext"]) >= set(sample["requestContext"]) - {"identity"}
    assert event["resource"] == "/rest/{id}"
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["pathParameters"] == {"id": "7"}


def test_binary_bodies_are_base64_encoded():
    body = bytes(range(256))
    request = _request(
        "PUT", "/files/x.bin", headers=(("content-type", "application/octet-stream"),), body=body
    )
    event = http_api_event(request, _match("PUT", "/files/x.bin"), "r", NOW)
    assert event["isBase64Encoded"]
    assert base64.b64decode(event["body"]) == body


@pytest.mark.parametrize(
    ("result", "version", "status", "body"),
    [
        ({"statusCode": 201, "body": "made"}, "1.0", 201, b"made"),
        ({"statusCode": "204"}, "2.0", 204, b""),
        ({"hello": "world"}, "2.0", 200, b'{"hello": "world"}'),
        ("plain", "2.0", 200, b"plain"),
        (
            {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True},
            "2.0",
            200,
            b"\x00\xff",
        ),
    ],
)
def test_proxy_responses(result, version, status, body):
    response = proxy_response(result, version)
    assert (response.status, response.body) == (status, body)


def test_response_headers_cookies_and_multi_value_headers():
    response = proxy_response(
        {
            "statusCode": 200,
            "headers": {"a": "1"},
            "multiValueHeaders": {"b": ["2", "3"]},
            "cookies": ["c=1"],
        },
        "2.0",
    )
    assert response.headers == (("a", "1"), ("b", "2"), ("b", "3"), ("set-cookie", "c=1"))


@pytest.mark.parametrize(
    ("result", "version"),
    [
        ({"hello": "world"}, "1.0"),
        ({"statusCode": "teapot"}, "2.0"),
        ({"statusCode": 200, "body": {"not": "a string"}}, "2.0"),
        ({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, "2.0"),
    ],
)
def test_invalid_proxy_responses(result, version):
    with pytest.raises(InvalidResponse):
        proxy_response(result, version)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "Not Found"),
        (413, "Request Entity Too Large"),
        (502, "Internal server error"),
        (504, "Endpoint request timed out"),
    ],
)
def test_gateway_errors_are_aws_shaped(status, message):
    response = gateway_error(status)
    assert (response.status, json.loads(response.body)) == (status, {"message": message})

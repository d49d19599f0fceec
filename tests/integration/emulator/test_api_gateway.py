"""The API-gateway emulator in front of the fixture's functions, over real HTTP."""

from __future__ import annotations

import base64
import json
import socket

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def api(emulator):
    with httpx.Client(base_url=emulator.api_url, timeout=15) as client:
        yield client


def test_http_api_route_gets_a_v2_event_with_path_parameters(api):
    response = api.get("/greet/ada", params={"x": ["1", "2"]}, headers={"Cookie": "a=1; b=2"})
    assert (response.status_code, response.headers["x-version"]) == (201, "2.0")
    event = response.json()
    assert (event["routeKey"], event["rawPath"], event["pathParameters"]) == (
        "GET /greet/{name}",
        "/greet/ada",
        {"name": "ada"},
    )
    assert (event["queryStringParameters"], event["cookies"]) == ({"x": "1,2"}, ["a=1", "b=2"])
    assert response.headers["apigw-requestid"] == event["requestContext"]["requestId"]


def test_greedy_proxy_and_binary_bodies_both_ways(api):
    body = bytes(range(256))
    upload = api.put("/files/a/b/c.dat", content=body, headers={"content-type": "application/octet-stream"})
    event = upload.json()
    assert event["pathParameters"] == {"proxy": "a/b/c.dat"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    download = api.get("/files/x.bin")
    assert (download.status_code, download.content) == (200, b"\x00\xffbinary")


def test_rest_api_route_gets_a_v1_event(api):
    response = api.post("/rest/7", json={"a": 1})
    event = response.json()
    assert (event["httpMethod"], event["resource"], event["pathParameters"]) == (
        "POST",
        "/rest/{id}",
        {"id": "7"},
    )
    assert json.loads(event["body"]) == {"a": 1}
    headers = {name.lower(): values for name, values in event["multiValueHeaders"].items()}
    assert headers["content-type"] == ["application/json"]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/fail", 502, "Internal server error"),
        ("/crash", 502, "Internal server error"),
        ("/sleep", 504, "Endpoint request timed out"),
        ("/nowhere", 404, "Not Found"),
    ],
)
def test_aws_shaped_gateway_errors(api, path, status, message):
    response = api.get(path)
    assert (response.status_code, response.json()) == (status, {"message": message})
    assert api.get("/greet/after").status_code == 201


def test_body_over_ten_megabytes_is_refused(api):
    response = api.post("/files/big", content=b"x" * (10 * 1024 * 1024 + 1))
    assert (response.status_code, response.json()) == (413, {"message": "Request Entity Too Large"})


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded",
                                          "text/plain"])
def test_a_text_body_that_is_not_utf8_is_passed_as_base64(api, content_type):
    """AWS answers such a request (the body reaches the function base64-encoded); the emulator used to
    drop the connection on UnicodeDecodeError."""
    body = b'{"subject": "caf\xe9"}'
    response = api.post("/rest/7", content=body, headers={"content-type": content_type})
    event = response.json()
    assert response.status_code < 300
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == body


def test_an_event_over_lambdas_six_megabytes_is_refused_before_the_function(api):
    """A 5 MB binary body is within the HTTP API's 10 MB but its base64 event is not within Lambda's
    6 MB synchronous payload: AWS answers 413, so the emulator does too, without invoking."""
    response = api.put("/files/big.bin", content=b"\x00" * (5 * 1024 * 1024),
                       headers={"content-type": "application/octet-stream"})
    fits = api.put("/files/ok.bin", content=b"\x00" * (4 * 1024 * 1024),
                   headers={"content-type": "application/octet-stream"})
    assert (response.status_code, response.json()) == (413, {"message": "Request Entity Too Large"})
    assert fits.status_code == 200


def test_a_malformed_content_length_is_answered_not_dropped(emulator):
    host, port = emulator.api_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /rest/7 HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n")
        answer = connection.recv(4096)
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"400"

"""The HTTP edge without services: authentication, media types, limits, the problem+json mapping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from collector.app import create_app
from collector.runtime import Runtime
from planetmail.settings import Secret, Settings

TOKEN = "unit-token"


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    settings = Settings.load(
        environ={},
        state_dir=tmp_path,
        api_token=Secret(TOKEN),
        max_body_bytes=100,
        webhook_credentials={"postmark": Secret("u:p")},
    )
    with TestClient(create_app(Runtime(settings)), raise_server_exceptions=False) as test_client:
        yield test_client


def test_healthz_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/emails", "/v1/emails/{tracking_id}", "/webhooks/ses", "/webhooks/mailgun"} <= set(paths)


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "detail"),
    [
        ("POST", "/v1/emails", {}, b"", 401, "Bearer"),
        (
            "POST",
            "/v1/emails",
            {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
            b"x",
            415,
            "text/plain",
        ),
        (
            "POST",
            "/v1/emails",
            {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            b"{" * 101,
            413,
            "100 bytes",
        ),
        (
            "POST",
            "/v1/emails",
            {"Authorization": f"Bearer {TOKEN}", "Content-Length": "x1"},
            b"",
            400,
            "Content-Length",
        ),
        (
            "POST",
            "/webhooks/postmark",
            {"Authorization": "Basic dTpw", "Content-Type": "text/xml"},
            b"<a/>",
            415,
            "application/json",
        ),
        (
            "POST",
            "/webhooks/sendgrid",
            {"Authorization": "Basic dTpw"},
            b"",
            401,
            "no credentials configured",
        ),
        (
            "POST",
            "/webhooks/mailgun",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"a=b",
            401,
            "no signing key",
        ),
        ("GET", "/nowhere", {}, b"", 404, "Not Found"),
        ("DELETE", "/v1/emails", {}, b"", 405, "Method Not Allowed"),
    ],
)
def test_errors_are_problem_json(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: bytes, status: int, detail: str
) -> None:
    response = client.request(method, path, headers=headers, content=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and detail in problem["detail"]


def test_api_token_missing_fails_closed(tmp_path) -> None:
    runtime = Runtime(Settings.load(environ={}, state_dir=tmp_path))
    with TestClient(create_app(runtime)) as client:
        response = client.post("/v1/emails", headers={"Authorization": "Bearer "}, content=b"{}")
    assert response.status_code == 401 and "no API token configured" in response.json()["detail"]


def test_openapi_schema_has_no_dangling_pydantic_references(client: TestClient) -> None:
    document = client.get("/openapi.json").text
    body = client.get("/openapi.json").json()["paths"]["/v1/emails"]["post"]["requestBody"]["content"]

    assert "#/$defs/" not in document
    assert "content_base64" in str(body["application/json"]["schema"]["properties"]["attachments"])
    assert set(body) == {"application/json", "message/rfc822"}

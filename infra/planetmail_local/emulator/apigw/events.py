"""API Gateway proxy events (payload 2.0 for HTTP APIs, 1.0 for REST APIs) and their responses.

Pure functions of the request, like SAM CLI's event constructor: no server in here.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from planetmail_local.emulator.apigw.request import GatewayRequest, GatewayResponse
from planetmail_local.emulator.apigw.routes import RouteMatch

ACCOUNT_ID = "123456789012"
API_ID = "1234567890"
HTTP_API_STAGE = "$default"
REST_API_STAGE = "Prod"


class InvalidResponse(ValueError):
    """The function's answer is no valid proxy response (API Gateway answers 502)."""


def _body(request: GatewayRequest) -> tuple[str | None, bool]:
    """The body as text when its media type is text and it is valid UTF-8; otherwise base64 with
    isBase64Encoded, as API Gateway passes any body it cannot pass as text (a JSON or form body
    holding a non-UTF-8 byte included: the gateway answers it, it does not drop the connection)."""
    if not request.body:
        return (None, False)
    if request.body_is_text:
        try:
            return (request.body.decode("utf-8"), False)
        except UnicodeDecodeError:
            pass
    return (base64.b64encode(request.body).decode("ascii"), True)


def _time_fields(now: datetime) -> tuple[str, int]:
    return now.strftime("%d/%b/%Y:%H:%M:%S +0000"), int(now.timestamp() * 1000)


def http_api_event(
    request: GatewayRequest, match: RouteMatch, request_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Payload format 2.0."""
    when, epoch_ms = _time_fields(now or datetime.now(UTC))
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    route_key = (
        f"{match.route.method} {match.route.path}"
        if match.route.method != "ANY"
        else f"ANY {match.route.path}"
    )
    body, encoded = _body(request)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = _query_joined(request.query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": request.method.upper(),
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": HTTP_API_STAGE,
        "time": when,
        "timeEpoch": epoch_ms,
    }
    if body is not None:
        event["body"] = body
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    event["isBase64Encoded"] = encoded
    return event


def rest_api_event(
    request: GatewayRequest, match: RouteMatch, request_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Payload format 1.0."""
    when, epoch_ms = _time_fields(now or datetime.now(UTC))
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in request.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    pairs = parse_qsl(request.query, keep_blank_values=True)
    body, encoded = _body(request)
    return {
        "body": body,
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "isBase64Encoded": encoded,
        "queryStringParameters": dict(pairs) or None,
        "multiValueQueryStringParameters": _multi(pairs) or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "resourceId": "123456",
            "stage": REST_API_STAGE,
            "requestId": request_id,
            "requestTime": when,
            "requestTimeEpoch": epoch_ms,
            "extendedRequestId": request_id,
            "identity": {"sourceIp": request.source_ip, "userAgent": single.get("User-Agent", "")},
            "path": f"/{REST_API_STAGE}{request.path}",
            "resourcePath": match.route.path,
            "httpMethod": request.method.upper(),
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
            "domainName": "localhost",
        },
    }


def proxy_response(result: Any, payload_version: str) -> GatewayResponse:
    """The function's return value as an HTTP response (format 2.0 infers one from plain JSON)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        if payload_version == "1.0":
            raise InvalidResponse("a REST API proxy response needs statusCode")
        body = result if isinstance(result, str) else json.dumps(result)
        return GatewayResponse(200, (("content-type", "application/json"),), body.encode())
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise InvalidResponse(f"statusCode {result['statusCode']!r} is not a number") from None
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(v)) for v in values]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or []]
    raw = result.get("body") or ""
    if not isinstance(raw, str):
        raise InvalidResponse("body must be a string")
    try:
        content = base64.b64decode(raw, validate=True) if result.get("isBase64Encoded") else raw.encode()
    except ValueError:
        raise InvalidResponse("isBase64Encoded is set but body is no base64") from None
    return GatewayResponse(status, tuple(headers), content)


def _query_joined(query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return multi

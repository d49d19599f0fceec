"""The gateway's HTTP server: request in, event built, function invoked, proxy response out."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from planetmail_local.emulator.apigw.errors import (
    BAD_GATEWAY,
    BAD_REQUEST,
    GATEWAY_TIMEOUT,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    gateway_error,
)
from planetmail_local.emulator.apigw.events import (
    InvalidResponse,
    http_api_event,
    proxy_response,
    rest_api_event,
)
from planetmail_local.emulator.apigw.request import GatewayRequest, GatewayResponse
from planetmail_local.emulator.apigw.routes import RouteTable
from planetmail_local.emulator.http_server import BackgroundServer, QuietHandler
from planetmail_local.emulator.lambda_api import SYNC_PAYLOAD_LIMIT
from planetmail_local.emulator.runtime.invocation import Invocation

MAX_BODY_BYTES = 10 * 1024 * 1024
"""The HTTP API's own request limit; the event built from it must also fit Lambda's 6 MB quota
(``SYNC_PAYLOAD_LIMIT``), so in practice a body reaches a function only below about 6 MB of text
or 4.5 MB of binary (base64 adds a third)."""
Invoker = Callable[[str, Any], Invocation]

_log = logging.getLogger(__name__)


class ApiGateway:
    def __init__(self, routes: RouteTable, invoke: Invoker) -> None:
        self._routes = routes
        self._invoke = invoke

    def handle(self, request: GatewayRequest) -> GatewayResponse:
        match = self._routes.match(request.method, request.path)
        if match is None:
            return gateway_error(NOT_FOUND)
        request_id = str(uuid.uuid4())
        build = http_api_event if match.route.payload_version == "2.0" else rest_api_event
        event = build(request, match, request_id)
        if len(json.dumps(event, ensure_ascii=False).encode()) > SYNC_PAYLOAD_LIMIT:  # never invoked
            return gateway_error(PAYLOAD_TOO_LARGE)
        invocation = self._invoke(match.route.function, event)
        if invocation.timed_out:
            return gateway_error(GATEWAY_TIMEOUT)
        if invocation.failed:
            return gateway_error(BAD_GATEWAY)
        try:
            response = proxy_response(invocation.result(), match.route.payload_version)
        except (InvalidResponse, ValueError):
            return gateway_error(BAD_GATEWAY)
        return GatewayResponse(
            response.status, (*response.headers, ("apigw-requestid", request_id)), response.body
        )


def _answered(gateway: ApiGateway, request: GatewayRequest) -> GatewayResponse:
    try:
        return gateway.handle(request)
    except Exception:  # the emulator's own failure: a 502, as API Gateway answers
        _log.exception("API gateway failed on %s %s", request.method, request.path)
        return gateway_error(BAD_GATEWAY)


def gateway_server(gateway: ApiGateway, host: str, port: int) -> BackgroundServer:
    class Handler(QuietHandler):
        def _handle(self) -> None:
            """Every request gets an answer, as from AWS: never a dropped connection."""
            declared = (self.headers.get("content-length") or "0").strip()
            length = int(declared) if declared.isdigit() else -1
            if length < 0 or length > MAX_BODY_BYTES:
                self.close_connection = True
                response = gateway_error(BAD_REQUEST if length < 0 else PAYLOAD_TOO_LARGE)
            else:
                url = urlsplit(self.path)
                request = GatewayRequest(
                    self.command,
                    url.path,
                    url.query,
                    tuple(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                    self.client_address[0],
                )
                response = _answered(gateway, request)
            self.send_body(response.status, response.headers, response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return BackgroundServer(Handler, host, port)

"""AWS-identical gateway error responses, from one place."""

from __future__ import annotations

import json

from planetmail_local.emulator.apigw.request import GatewayResponse

BAD_REQUEST = 400
NOT_FOUND = 404
PAYLOAD_TOO_LARGE = 413
BAD_GATEWAY = 502
GATEWAY_TIMEOUT = 504
MESSAGES = {
    BAD_REQUEST: "Bad Request",
    NOT_FOUND: "Not Found",
    PAYLOAD_TOO_LARGE: "Request Entity Too Large",
    BAD_GATEWAY: "Internal server error",
    GATEWAY_TIMEOUT: "Endpoint request timed out",
}
ERROR_TYPES = {BAD_GATEWAY: "InternalServerErrorException", GATEWAY_TIMEOUT: "IntegrationTimeout"}


def gateway_error(status: int) -> GatewayResponse:
    headers = [("content-type", "application/json")]
    if status in ERROR_TYPES:
        headers.append(("x-amzn-ErrorType", ERROR_TYPES[status]))
    return GatewayResponse(status, tuple(headers), json.dumps({"message": MESSAGES[status]}).encode())

"""Lambda's Invoke API (like ``sam local start-lambda``) and the emulator's JSON status endpoint.

boto3.client("lambda", endpoint_url="http://127.0.0.1:3001").invoke(FunctionName="Fn", Payload=b"{}")
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from planetmail_local.emulator.http_server import BackgroundServer, QuietHandler
from planetmail_local.emulator.runtime.invocation import Invocation

STATUS_PATH = "/_emulator/status"
_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")

Invoker = Callable[[str, Any], Invocation]
Answer = tuple[int, list[tuple[str, str]], bytes]


class LambdaInvokeApi:
    def __init__(self, functions: list[str], invoke: Invoker, status: Callable[[], dict[str, Any]]) -> None:
        self._functions = functions
        self._invoke = invoke
        self.status = status

    def invoke(self, path: str, invocation_type: str, body: bytes) -> Answer:
        found = _INVOKE_PATH.fullmatch(path)
        name = _function_name(unquote(found.group("name"))) if found else ""
        try:
            rejected = self._rejection(name, invocation_type)
            event = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            rejected = _client_error(
                400, "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
            )
        if rejected or invocation_type == "DryRun":
            return rejected or (204, [], b"")
        if invocation_type == "Event":
            threading.Thread(target=self._invoke, args=(name, event), daemon=True).start()
            return (202, [], b"")
        invocation = self._invoke(name, event)
        headers = [
            ("content-type", "application/json"),
            ("X-Amz-Executed-Version", "$LATEST"),
            ("x-amzn-RequestId", invocation.request_id),
        ]
        if invocation.failed:
            headers.append(("X-Amz-Function-Error", "Unhandled"))
        return (200, headers, invocation.payload.encode())

    def _rejection(self, name: str, invocation_type: str) -> Answer | None:
        if name not in self._functions:
            return _client_error(
                404,
                "ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{name}",
            )
        if invocation_type not in INVOCATION_TYPES:
            return _client_error(
                400,
                "InvalidParameterValueException",
                f"X-Amz-Invocation-Type {invocation_type} is not one of {INVOCATION_TYPES}",
            )
        return None


def _function_name(name_or_arn: str) -> str:
    """Name, partial ARN or full ARN (a ``:qualifier`` is ignored locally)."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn.split(":", maxsplit=1)[0]


def _client_error(status: int, error_type: str, message: str) -> Answer:
    return (
        status,
        [("content-type", "application/json"), ("x-amzn-ErrorType", error_type)],
        json.dumps({"Type": "User", "Message": message}).encode(),
    )


def lambda_server(api: LambdaInvokeApi, host: str, port: int) -> BackgroundServer:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
            self.send_body(*api.invoke(self.path.split("?")[0], invocation_type, body))

        def do_GET(self) -> None:
            if self.path.split("?")[0] != STATUS_PATH:
                self.send_body(*_client_error(404, "ResourceNotFoundException", f"no such path {self.path}"))
                return
            self.send_body(200, [("content-type", "application/json")], json.dumps(api.status()).encode())

    return BackgroundServer(Handler, host, port)

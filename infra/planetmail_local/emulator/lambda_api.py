"""Lambda's Invoke API (like ``sam local start-lambda``), its reserved-concurrency calls (how many worker
processes a function gets) and the emulator's JSON status endpoint.

boto3.client("lambda", endpoint_url="http://127.0.0.1:3001").invoke(FunctionName="Fn", Payload=b"{}")
boto3.client("lambda", endpoint_url=...).put_function_concurrency(FunctionName="Fn",
                                                                  ReservedConcurrentExecutions=2)
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import unquote

from planetmail_local.emulator.http_server import BackgroundServer, QuietHandler
from planetmail_local.emulator.runtime.invocation import Invocation

STATUS_PATH = "/_emulator/status"
_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")
_CONCURRENCY_PATH = re.compile(r"/20\d\d-\d\d-\d\d/functions/(?P<name>[^/]+)/concurrency")
"""PUT and DELETE are dated 2017-10-31, GET 2019-09-30."""
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
"""Lambda's request payload quota for synchronous invocation (RequestResponse, and what API Gateway
sends): 6 MB = 6,291,456 bytes of event JSON, base64 of a binary body included."""
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
"""The quota for asynchronous invocation (Event): 1 MB since October 2025 (256 KB before)."""
DISCARD_LIMIT = 4 * SYNC_PAYLOAD_LIMIT
"""A refused body up to this size is read before the 413, so the client gets the answer; a larger one
closes the connection instead of costing the emulator the read."""

Invoker = Callable[[str, Any], Invocation]
Answer = tuple[int, list[tuple[str, str]], bytes]


class ConcurrencyControl(Protocol):
    def reserved_concurrency(self, function: str) -> int | None: ...
    def reserve_concurrency(self, function: str, workers: int) -> None: ...
    def release_concurrency(self, function: str) -> None: ...


class LambdaInvokeApi:
    def __init__(self, functions: list[str], invoke: Invoker, status: Callable[[], dict[str, Any]],
                 concurrency: ConcurrencyControl) -> None:
        self._functions = functions
        self._invoke = invoke
        self.status = status
        self._concurrency = concurrency

    def concurrency(self, method: str, path: str, body: bytes) -> Answer | None:
        """Get/Put/DeleteFunctionConcurrency; None when ``path`` is not a concurrency path."""
        found = _CONCURRENCY_PATH.fullmatch(path)
        if found is None:
            return None
        name = _function_name(unquote(found.group("name")))
        if name not in self._functions:
            return self._rejection(name, "RequestResponse")
        if method == "GET":
            reserved = self._concurrency.reserved_concurrency(name)
            return _json(200, {} if reserved is None else {"ReservedConcurrentExecutions": reserved})
        if method == "DELETE":
            self._concurrency.release_concurrency(name)
            return (204, [], b"")
        return self._reserve(name, body)

    def _reserve(self, name: str, body: bytes) -> Answer:
        try:
            workers = json.loads(body or b"{}").get("ReservedConcurrentExecutions")
            self._concurrency.reserve_concurrency(name, workers)
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
            return _client_error(400, "InvalidRequestContentException", f"Could not parse the body: {exc}")
        except ValueError as exc:
            return _client_error(400, "InvalidParameterValueException", str(exc))
        return _json(200, {"ReservedConcurrentExecutions": workers})

    def invoke(self, path: str, invocation_type: str, body: bytes) -> Answer:
        found = _INVOKE_PATH.fullmatch(path)
        name = _function_name(unquote(found.group("name"))) if found else ""
        too_large = payload_too_large(invocation_type, len(body))
        if too_large:
            return too_large
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


def payload_too_large(invocation_type: str, size: int) -> Answer | None:
    """Lambda's 413 for a request payload over the invocation type's quota, else None."""
    limit = ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT
    if size <= limit:
        return None
    operation = "InvokeAsync" if invocation_type == "Event" else "InvokeFunction"
    # the error type and message AWS answers (boto3: ClientError, code RequestEntityTooLargeException)
    return _client_error(413, "RequestEntityTooLargeException",
                         f"Request must be smaller than {limit} bytes for the {operation} operation")


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


def _json(status: int, document: dict[str, Any]) -> Answer:
    return (status, [("content-type", "application/json")], json.dumps(document).encode())


def lambda_server(api: LambdaInvokeApi, host: str, port: int) -> BackgroundServer:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
            length = int(self.headers.get("content-length") or 0)
            too_large = payload_too_large(invocation_type, length)
            if too_large:
                self._discard_body(length)
                self.send_body(*too_large)
                return
            self.send_body(*api.invoke(self._path(), invocation_type, self._body()))

        def _discard_body(self, length: int) -> None:
            """Read (and drop) a refused body: a server that answers and closes while the client is
            still sending resets the connection, and the client sees no answer instead of the 413."""
            if length > DISCARD_LIMIT:
                self.close_connection = True
                return
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)

        def do_GET(self) -> None:
            if self._path() == STATUS_PATH:
                self.send_body(*_json(200, api.status()))
            else:
                self._concurrency("GET")

        def do_PUT(self) -> None:
            self._concurrency("PUT")

        def do_DELETE(self) -> None:
            self._concurrency("DELETE")

        def _concurrency(self, method: str) -> None:
            answer = api.concurrency(method, self._path(), self._body())
            self.send_body(*(answer or _client_error(404, "ResourceNotFoundException",
                                                     f"no such path {self.path}")))

        def _path(self) -> str:
            return self.path.split("?")[0]

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("content-length") or 0))

    return BackgroundServer(Handler, host, port)

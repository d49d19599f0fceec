"""A counting proxy in front of the local AWS endpoint: which AWS operations the functions call, and
how many DynamoDB request units they would be billed for.

    with CountingProxy("http://127.0.0.1:4566") as proxy:   # give the functions proxy.url as endpoint
        ...
    proxy.tally   # Counter: "dynamodb:PutItem" → requests, "dynamodb:WRU" / "dynamodb:RRU" → units

Units follow DynamoDB's on-demand billing: a write request unit per item and started KB written, a
read request unit per item (strongly consistent, up to 4 KB) or per started 4 KB a Query returns.
"""

from __future__ import annotations

import collections
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

WRITE_UNIT_BYTES = 1024
INDEXED_ATTRIBUTE = "sla_bucket"
"""Rows carrying it are also written to the status table's sla-by-hour index (billed like a write)."""
READ_UNIT_BYTES = 4096
_TARGET_SERVICES = {"DynamoDB_20120810": "dynamodb", "AmazonSSM": "ssm", "secretsmanager": "secretsmanager"}
"""X-Amz-Target prefixes → IAM service prefixes."""
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}
"""Not relayed: the proxy's own connection decides them (and httpx hands over decoded bodies)."""


def dynamodb_units(operation: str, request: dict[str, Any], response: bytes) -> dict[str, int]:
    """The request units one DynamoDB call is billed, from its request and response bodies."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return {"dynamodb:WRU": _write_units(request.get("Item", request.get("Key", {})))}
    if operation == "BatchWriteItem":
        items = [next(iter(each.values())) for each in _batch(request)]
        return {"dynamodb:WRU": sum(_write_units(item.get("Item", item.get("Key", {}))) for item in items)}
    if operation == "GetItem":
        return {"dynamodb:RRU": 1}
    if operation == "BatchGetItem":
        return {"dynamodb:RRU": sum(len(table["Keys"]) for table in request.get("RequestItems", {}).values())}
    if operation == "Query":
        return {"dynamodb:RRU": max(1, math.ceil(len(response) / READ_UNIT_BYTES))}
    return {}


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """``service:Operation`` of one request to the AWS endpoint."""
    target = headers.get("X-Amz-Target", "")
    if target:
        prefix, _, operation = target.partition(".")
        return f"{_TARGET_SERVICES.get(prefix, prefix.lower())}:{operation}"
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    if action:
        return f"query-api:{action}"
    return f"s3:{ {'PUT': 'PutObject', 'GET': 'GetObject', 'HEAD': 'HeadObject'}.get(method, method)}"


class CountingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.tally: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> CountingProxy:
        threading.Thread(target=self._server.serve_forever, name="counting-proxy", daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def record(self, operation: str, request: bytes, response: bytes) -> None:
        counts = {operation: 1}
        if operation.startswith("dynamodb:"):
            counts.update(dynamodb_units(operation.split(":")[1], json.loads(request or b"{}"), response))
        with self._lock:
            self.tally.update(counts)

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> httpx.Response:
        kept = {name: value for name, value in headers.items() if name.lower() not in _HOP_BY_HOP}
        return self._client.request(method, self.upstream + path, headers=kept, content=body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = proxy.forward(self.command, self.path, self.headers, body)
                operation = operation_of(self.command, self.path, self.headers, body)
                proxy.record(operation, body, upstream.content)
                self.send_response(upstream.status_code)
                for name, value in upstream.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay

            def log_message(self, *_: Any) -> None:
                pass

        return Handler


def _batch(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [each for requests in request.get("RequestItems", {}).values() for each in requests]


def _write_units(item: dict[str, Any]) -> int:
    """The item's own units, plus one for the keys-only index entry a row with ``sla_bucket`` writes."""
    own = max(1, math.ceil(len(json.dumps(item)) / WRITE_UNIT_BYTES))
    return own + (1 if INDEXED_ATTRIBUTE in item else 0)

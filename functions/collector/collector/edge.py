"""What every route does at the HTTP edge: find the runtime, read a bounded body, answer 202."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from collector import limits
from collector.intake import Acceptance
from collector.problems import BadRequest, PayloadTooLarge
from collector.runtime import Runtime

T = TypeVar("T")


class Accepted(BaseModel):
    id: str
    status: str = "received"
    duplicate: bool = False


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed settings.max_body_bytes."""
    limit = runtime_of(request).settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BadRequest(f"Content-Length {declared!r} is not a byte count")
        if int(declared) > limit:
            raise PayloadTooLarge(f"the body is {int(declared)} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def parsed(what: str, convert: Callable[..., T], *args: object) -> T:
    """``convert(*args)`` off the event loop; any failure of it that is not a Problem is a 400."""
    return await run_in_threadpool(limits.guarded, what, convert, *args)


def accepted(acceptance: Acceptance) -> JSONResponse:
    body = Accepted(id=acceptance.id, duplicate=acceptance.duplicate)
    return JSONResponse(body.model_dump(), status_code=202)


def inline_definitions(schema: Any, definitions: dict[str, Any] | None = None) -> Any:
    """A JSON schema with pydantic's ``$defs`` references replaced by the definitions themselves:
    inside an OpenAPI document ``#/$defs/...`` would point at the document root."""
    if definitions is None and isinstance(schema, dict):
        definitions = schema.get("$defs", {})
    if isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference.startswith("#/$defs/") and definitions is not None:
            return inline_definitions(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: inline_definitions(value, definitions) for key, value in schema.items()
                if key != "$defs"}
    if isinstance(schema, list):
        return [inline_definitions(item, definitions) for item in schema]
    return schema


PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": description, "content": {"application/problem+json": {}}}
    for status, description in (
        (400, "Malformed JSON, form or MIME; `detail` names what is wrong"),
        (401, "Missing or wrong credentials or signature"),
        (403, "An SES notification naming an S3 object outside the configured bucket/prefix"),
        (413, "Body over the configured limit"),
        (415, "Unsupported media type"),
        (503, "Kafka or storage unavailable; retry after `Retry-After` seconds (nothing was accepted)"),
    )
}

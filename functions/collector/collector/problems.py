"""Every client or service error of the collector, and its one mapping to application/problem+json.

Endpoints raise a ``Problem``; ``install`` maps it (and Starlette's own HTTP errors) to an RFC 9457
response in one place, so no endpoint builds an error response by hand and a client error is never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 30

_log = logging.getLogger(__name__)


class Problem(Exception):
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(Problem):
    status = 400
    title = "Malformed request"


class Unauthorized(Problem):
    status = 401
    title = "Unauthorized"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class NotFound(Problem):
    status = 404
    title = "Not Found"


class PayloadTooLarge(Problem):
    status = 413
    title = "Payload Too Large"


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported Media Type"


class ServiceUnavailable(Problem):
    """Kafka or storage cannot take the message now: the provider must retry (nothing was accepted)."""

    status = 503
    title = "Service Unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def problem_response(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    if exc.status >= 500:
        _log.warning("%s: %s", exc.title, exc.detail)
    return problem_response(exc.status, exc.title, exc.detail, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(exc.status_code, _reason(exc.status_code), str(exc.detail), exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "request"
    return problem_response(400, BadRequest.title, f"{where}: {first.get('msg', 'invalid')}")


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected error", exc_info=exc)
    detail = "the collector failed unexpectedly; the message was not accepted"
    return problem_response(500, Problem.title, detail)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

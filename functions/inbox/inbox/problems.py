"""The inbox's errors and their one mapping to application/problem+json (RFC 9457).

Domain exceptions (``decisions``, ``store``, ``auth``) are mapped here by type, so no route builds an
error by hand and nothing a client sends becomes a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kafka.errors import KafkaError
from starlette.exceptions import HTTPException as StarletteHTTPException

from inbox.auth import CHALLENGE, NotAgent, NotStaff
from inbox.decisions import InvalidDecision, NotRecorded, UnknownMessage
from inbox.store import BadCursor, StaleDecision

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
RETRY_AFTER: Final = {"Retry-After": "10"}

_log = logging.getLogger(__name__)

STATUS_OF: Final[dict[type[Exception], int]] = {
    NotStaff: 401,
    NotAgent: 403,
    UnknownMessage: 404,
    StaleDecision: 409,
    InvalidDecision: 400,
    BadCursor: 400,
    NotRecorded: 503,
    ClientError: 503,
    BotoCoreError: 503,
    KafkaError: 503,
}


def problem(status: int, detail: str, headers: dict[str, str] | None = None,
            **extensions: str) -> JSONResponse:
    title = HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extensions}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    headers = CHALLENGE if status == 401 else RETRY_AFTER if status == 503 else None
    if status == 503:
        _log.warning("storage or Kafka unavailable: %s", exc)
        detail = str(exc) if isinstance(exc, NotRecorded) else "storage or Kafka is unavailable; retry"
        return problem(status, detail, headers)
    if isinstance(exc, NotAgent):
        return problem(status, str(exc), missing_group=exc.group)
    return problem(status, str(exc), headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "request"
    return problem(400, f"{where}: {first.get('msg', 'invalid')}")


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected inbox error", exc_info=exc)
    return problem(500, "the inbox failed unexpectedly; nothing was changed")


def install(app: FastAPI) -> None:
    for kind in STATUS_OF:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)

"""The dashboard's ASGI app: the page, ``/metrics`` (Prometheus) and a JSON API.

Serve it alone (``planetmail dashboard``) or mount it in the emulator's server:
``app.mount("/dashboard", create_app(observatory))`` (the page uses relative URLs).
Errors are ``application/problem+json`` (RFC 9457), mapped in one place.
"""

from __future__ import annotations

from http import HTTPStatus
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from planetmail_local.observability.observatory import Observatory
from planetmail_local.observability.prometheus import exposition

STATIC_DIR = resources.files("planetmail_local.observability") / "static"
PROBLEM_JSON = "application/problem+json"


def create_app(observatory: Observatory) -> FastAPI:
    app = FastAPI(title="planetmail dashboard", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_problem)  # type: ignore[arg-type]

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC_DIR / "index.html"), media_type="text/html")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(exposition(observatory), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/metrics")
    def api_metrics() -> dict[str, Any]:
        return observatory.snapshot()

    @app.get("/api/messages/recent")
    def recent_messages(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
        return observatory.pipeline.recent(limit)

    @app.get("/api/messages/{tracking_id}")
    def message(tracking_id: str) -> dict[str, Any]:
        found = observatory.pipeline.message(tracking_id)
        if found is None:
            raise HTTPException(404, f"no lifecycle events for message {tracking_id!r} in the last "
                                     f"{observatory.pipeline.window_seconds} s (or it was evicted)")
        return found

    @app.post("/api/emf/{function}")
    async def emf_lines(function: str, request: Request) -> dict[str, int]:
        """Output lines of a function (text body); its EMF metrics are aggregated, the rest ignored."""
        body = (await request.body()).decode("utf-8", errors="replace")
        return {"metrics": observatory.emf.ingest_lines(body.splitlines(), function)}

    return app


def _problem(status: int, detail: str) -> JSONResponse:
    problem = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return JSONResponse(problem, status_code=status, media_type=PROBLEM_JSON)


async def _http_problem(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _problem(exc.status_code, str(exc.detail))


async def _validation_problem(_: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return _problem(400, f"{where}: {first['msg']}")

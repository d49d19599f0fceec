"""The reader-services inbox (FastAPI), wrapped for Lambda by Mangum: ``inbox.app.handler``.

Routes: the page under ``/inbox/`` and the JSON API under ``/inbox/api/`` (OpenAPI at
``/inbox/api/openapi.json``, browsable at ``/inbox/api/docs``).
"""

from __future__ import annotations

from fastapi import FastAPI
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from inbox import api, page, problems
from inbox.runtime import Runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(title="planetmail inbox", version="1",
                  summary="Reader-services staff work the classified mail; every decision is feedback.",
                  openapi_url="/inbox/api/openapi.json", docs_url="/inbox/api/docs", redoc_url=None)
    app.state.runtime = runtime or Runtime()
    problems.install(app)
    app.include_router(api.router)
    app.include_router(page.router)
    return app


def lambda_handler(inbox: FastAPI) -> Mangum:
    """``inbox`` as API Gateway's Lambda integration calls it (problems answered as text, not base64)."""
    return Mangum(inbox, lifespan="off",
                  text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, problems.PROBLEM_MEDIA_TYPE])


app = create_app()
handler = lambda_handler(app)

"""The collector's HTTP API (FastAPI), wrapped for Lambda by Mangum: ``collector.app.handler``."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from collector import auth, edge, problems, webhooks
from collector.edge import PROBLEM_RESPONSES, Accepted, inline_definitions, parsed, read_body, runtime_of
from collector.intake import accept
from collector.problems import NotFound, ServiceUnavailable
from collector.providers import api
from collector.runtime import Runtime
from planetmail.status import final_outcome

_EMAIL_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            api.JSON: {"schema": inline_definitions(api.CanonicalEmail.model_json_schema(by_alias=True))},
            api.RFC822: {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


def create_app(runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="planetmail collector",
        version="1",
        summary="Receives inbound mail from providers and the API and hands it durably to Kafka.",
        docs_url="/docs",
    )
    app.state.runtime = runtime or Runtime()
    problems.install(app)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/v1/emails", post_email, methods=["POST"], status_code=202, response_model=Accepted,
                      responses=PROBLEM_RESPONSES, openapi_extra=_EMAIL_BODY)
    app.add_api_route("/v1/emails/{tracking_id}", get_status, methods=["GET"],
                      responses={404: PROBLEM_RESPONSES[400] | {"description": "Unknown tracking id"}})
    app.include_router(webhooks.router)
    return app


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def post_email(
    request: Request, authorization: str | None = Header(None, include_in_schema=False)
) -> JSONResponse:
    """Accept one message: canonical JSON or a raw ``message/rfc822`` body (Bearer token)."""
    runtime = runtime_of(request)
    auth.require_bearer(authorization, runtime.settings.api_token)
    body = await read_body(request)
    delivery = await parsed("the email", api.convert, request.headers.get("content-type"), body)
    return edge.accepted(await run_in_threadpool(accept, delivery, runtime))


async def get_status(
    tracking_id: str, request: Request, authorization: str | None = Header(None, include_in_schema=False)
) -> dict[str, Any]:
    """The message's status timeline: received, classified, acknowledged or suppressed, with times;
    ``final`` and ``outcome`` say whether it reached its final state and which (``status.final_outcome``)."""
    runtime = runtime_of(request)
    auth.require_bearer(authorization, runtime.settings.api_token)
    try:
        steps = await run_in_threadpool(runtime.status.timeline, tracking_id)
    except (ClientError, BotoCoreError) as exc:
        raise ServiceUnavailable(f"the status table is unavailable: {exc}") from None
    if not steps:
        raise NotFound(f"no message with tracking id {tracking_id!r}")
    return {"id": tracking_id, "status": steps[-1]["state"], **final_outcome(steps), "timeline": steps}


app = create_app()
handler = Mangum(app, lifespan="off", text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, problems.PROBLEM_MEDIA_TYPE])

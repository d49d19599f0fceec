"""``POST /webhooks/{provider}``: authenticate the provider, convert its payload, hand it off."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from collector import auth, forms, sns
from collector.delivery import Delivery
from collector.edge import PROBLEM_RESPONSES, Accepted, accepted, read_body, runtime_of
from collector.intake import Acceptance, accept
from collector.ledger import dedupe_key
from collector.problems import ServiceUnavailable, Unauthorized
from collector.providers import mailgun, postmark, sendgrid, ses
from collector.runtime import Runtime

router = APIRouter(prefix="/webhooks", responses=PROBLEM_RESPONSES)

_FORM_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {
        forms.MULTIPART: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}},
    }},
}
_JSON_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
}


@router.post("/sendgrid", status_code=202, response_model=Accepted, openapi_extra=_FORM_BODY)
async def sendgrid_inbound_parse(
    request: Request, authorization: str | None = Header(None, include_in_schema=False)
) -> JSONResponse:
    """SendGrid Inbound Parse (parsed or raw mode), HTTP Basic auth."""
    runtime = runtime_of(request)
    auth.require_basic(authorization, runtime.settings.webhook_secret("sendgrid"), "sendgrid")
    body = await read_body(request)
    form = await run_in_threadpool(forms.parse, request.headers.get("content-type"), body, (forms.MULTIPART,))
    delivery = await run_in_threadpool(sendgrid.convert, form)
    return accepted(await run_in_threadpool(accept, delivery, runtime))


@router.post("/postmark", status_code=202, response_model=Accepted, openapi_extra=_JSON_BODY)
async def postmark_inbound(
    request: Request, authorization: str | None = Header(None, include_in_schema=False)
) -> JSONResponse:
    """Postmark inbound webhook JSON, HTTP Basic auth."""
    runtime = runtime_of(request)
    auth.require_basic(authorization, runtime.settings.webhook_secret("postmark"), "postmark")
    forms.require_media_type(request.headers.get("content-type"), ("application/json",))
    body = await read_body(request)
    delivery = await run_in_threadpool(postmark.convert, body)
    return accepted(await run_in_threadpool(accept, delivery, runtime))


@router.post("/mailgun", status_code=202, response_model=Accepted, openapi_extra=_FORM_BODY)
async def mailgun_route(request: Request) -> JSONResponse:
    """Mailgun route forward (parsed or MIME), signed with HMAC-SHA256; a replayed token is refused."""
    runtime = runtime_of(request)
    body = await read_body(request)
    form = await run_in_threadpool(forms.parse, request.headers.get("content-type"), body)
    token = mailgun.verify_signature(form, runtime.settings.webhook_secret("mailgun"), runtime.clock())
    delivery = await run_in_threadpool(mailgun.convert, form)
    return accepted(await run_in_threadpool(_accept_once, delivery, f"mailgun#{token}", runtime))


@router.post("/ses", status_code=202, response_model=Accepted, openapi_extra=_JSON_BODY,
             responses={200: {"description": "Subscription confirmed or notification ignored"}})
async def ses_via_sns(request: Request) -> JSONResponse:
    """Amazon SES receipt notifications through SNS; the SNS signature is the authentication."""
    runtime = runtime_of(request)
    body = await read_body(request)
    message = sns.parse(body)
    _require_topic(message, runtime)
    await run_in_threadpool(sns.verify, message, _certificates(request))
    if message.type == sns.SUBSCRIPTION_CONFIRMATION:
        await run_in_threadpool(sns.confirm_subscription, message, runtime.fetch)
        return JSONResponse({"status": "subscription_confirmed", "topic": message.topic_arn})
    notification = ses.parse(message.message) if message.type == sns.NOTIFICATION else None
    if notification is None:
        return JSONResponse({"status": "ignored", "type": message.type})
    delivery = await run_in_threadpool(ses.convert, notification, _object_reader(runtime))
    return accepted(await run_in_threadpool(accept, delivery, runtime))


def _accept_once(delivery: Delivery, replay_key: str, runtime: Runtime) -> Acceptance:
    """Accept unless the signed token was used before; a provider retry of a stored message stays a 202."""
    ledger = runtime.ledger
    if not ledger.first_sight(replay_key, 2 * mailgun.MAX_SIGNATURE_AGE_SECONDS):
        key = delivery.dedupe_key
        previous = ledger.stored_id(dedupe_key(delivery.email.source, key)) if key else None
        if previous is None:
            raise Unauthorized("the Mailgun token was already used (replayed request)")
        return accept(delivery, runtime)
    try:
        return accept(delivery, runtime)
    except ServiceUnavailable:
        ledger.forget(replay_key)  # the provider's retry carries the same token
        raise


def _require_topic(message: sns.SnsMessage, runtime: Runtime) -> None:
    allowed = [arn.strip() for arn in runtime.settings.sns_topic_arns.split(",") if arn.strip()]
    if allowed and message.topic_arn not in allowed:
        raise Unauthorized(f"SNS topic {message.topic_arn!r} is not one this collector subscribes to")


def _certificates(request: Request) -> sns.SigningCertificates:
    state = request.app.state
    if getattr(state, "sns_certificates", None) is None:
        runtime = runtime_of(request)
        state.sns_certificates = sns.SigningCertificates(runtime.settings.sns_cert_dir, runtime.fetch)
    certificates = state.sns_certificates
    assert isinstance(certificates, sns.SigningCertificates)
    return certificates


def _object_reader(runtime: Runtime) -> ses.ReadObject:
    def read(bucket: str, key: str) -> bytes:
        try:
            body: bytes = runtime.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"could not read s3://{bucket}/{key}: {exc}") from None
        return body
    return read

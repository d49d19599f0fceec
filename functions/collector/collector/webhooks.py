"""``POST /webhooks/{provider}``: authenticate the provider, convert its payload, hand it off."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from collector import auth, forms, sns
from collector.delivery import Delivery
from collector.edge import PROBLEM_RESPONSES, Accepted, accepted, parsed, read_body, runtime_of
from collector.intake import Acceptance, accept
from collector.ledger import dedupe_key
from collector.problems import Forbidden, ServiceUnavailable, Unauthorized
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
    form = await parsed("the SendGrid form", forms.parse, request.headers.get("content-type"), body,
                        (forms.MULTIPART,))
    delivery = await parsed("the SendGrid payload", sendgrid.convert, form)
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
    delivery = await parsed("the Postmark payload", postmark.convert, body)
    return accepted(await run_in_threadpool(accept, delivery, runtime))


@router.post("/mailgun", status_code=202, response_model=Accepted, openapi_extra=_FORM_BODY)
async def mailgun_route(request: Request) -> JSONResponse:
    """Mailgun route forward (parsed or MIME), signed with HMAC-SHA256; a replayed token is refused."""
    runtime = runtime_of(request)
    body = await read_body(request)
    content_type, key = request.headers.get("content-type"), runtime.settings.webhook_secret("mailgun")
    signed = forms.peek(content_type, body, mailgun.SIGNED_FIELDS)
    if signed is not None:  # authenticated before the (possibly large) form is parsed
        mailgun.verify_signature(signed, key, runtime.clock())
    form = await parsed("the Mailgun form", forms.parse, content_type, body)
    token = mailgun.verify_signature(form, key, runtime.clock())
    delivery = await parsed("the Mailgun payload", mailgun.convert, form)
    return accepted(await run_in_threadpool(_accept_once, delivery, f"mailgun#{token}", runtime))


@router.post("/ses", status_code=202, response_model=Accepted, openapi_extra=_JSON_BODY,
             responses={200: {"description": "Subscription confirmed or notification ignored"}})
async def ses_via_sns(request: Request) -> JSONResponse:
    """Amazon SES receipt notifications through SNS; the SNS signature is the authentication."""
    runtime = runtime_of(request)
    body = await read_body(request)
    message = await parsed("the SNS message", sns.parse, body)
    sns.require_topic(message, runtime.settings.sns_topic_arns)
    sns.require_fresh(message, runtime.clock())
    sns.require_signature_version(message, runtime.settings.sns_min_signature_version)
    await run_in_threadpool(sns.verify, message, _certificates(request))
    if message.type == sns.SUBSCRIPTION_CONFIRMATION:
        await run_in_threadpool(sns.confirm_subscription, message, runtime.fetch)
        return JSONResponse({"status": "subscription_confirmed", "topic": message.topic_arn})
    notification = (await parsed("the SES notification", ses.parse, message.message)
                    if message.type == sns.NOTIFICATION else None)
    if notification is None:
        return JSONResponse({"status": "ignored", "type": message.type})
    delivery = await parsed("the SES message", ses.convert, notification, _object_reader(runtime))
    return accepted(await run_in_threadpool(accept, delivery, runtime))


def _accept_once(delivery: Delivery, replay_key: str, runtime: Runtime) -> Acceptance:
    """Accept unless the signed token was used before; a provider retry of a stored message stays a 202."""
    ledger = runtime.ledger
    if not ledger.first_sight(replay_key, 2 * mailgun.MAX_SIGNATURE_AGE_SECONDS):
        previous = ledger.stored_id(dedupe_key(delivery.email.source, delivery.dedupe_key))
        if previous is None:
            raise Unauthorized("the Mailgun token was already used (replayed request)")
        return accept(delivery, runtime)
    try:
        return accept(delivery, runtime)
    except ServiceUnavailable:
        ledger.forget(replay_key)  # the provider's retry carries the same token
        raise


def _certificates(request: Request) -> sns.SigningCertificates:
    state = request.app.state
    if getattr(state, "sns_certificates", None) is None:
        runtime = runtime_of(request)
        state.sns_certificates = sns.SigningCertificates(runtime.settings.sns_cert_dir, runtime.fetch)
    certificates = state.sns_certificates
    assert isinstance(certificates, sns.SigningCertificates)
    return certificates


def _object_reader(runtime: Runtime) -> ses.ReadObject:
    """Reads only under the configured SES bucket and prefix: a notification (even a signed one from
    an allowed topic) must not make the collector read anything else its role can reach."""
    settings = runtime.settings

    def read(bucket: str, key: str) -> bytes:
        allowed = bool(settings.ses_bucket) and bucket == settings.ses_bucket
        if not (allowed and key.startswith(settings.ses_prefix)):
            where = f"s3://{settings.ses_bucket}/{settings.ses_prefix}" if settings.ses_bucket else "nothing"
            raise Forbidden(f"the SES S3 action names s3://{bucket[:100]}/{key[:200]}; this collector reads "
                            f"{where} (PLANETMAIL_SES_BUCKET, PLANETMAIL_SES_PREFIX)")
        try:
            body: bytes = runtime.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"could not read s3://{bucket}/{key}: {exc}") from None
        return body
    return read

"""SendGrid Inbound Parse: the parsed multipart form, or raw mode (the whole message in ``email``)."""

from __future__ import annotations

import json
import re
from email.parser import BytesParser
from typing import Any

from collector import headers, mime, verdicts
from collector.delivery import AttachmentBody, Delivery, attachment_body
from collector.forms import Form
from collector.htmltext import text_from_html
from collector.problems import BadRequest
from planetmail.inbound import AuthResults, InboundEmail, Verdict, new_tracking_id, utcnow

_DKIM_RESULT = re.compile(r":\s*([a-zA-Z]+)")


def convert(form: Form) -> Delivery:
    delivery = mime.parse(form.fields["email"], "sendgrid") if form.has("email") else parsed_fields(form)
    envelope = _json_field(form, "envelope")
    recipients = envelope.get("to") or []
    auth = delivery.email.auth.model_copy(update=_provider_verdicts(form))
    return delivery.with_email(
        provider_verdicts=verdicts.sendgrid(_optional(form, "spam_score"), _optional(form, "spam_report")),
        envelope_from=envelope.get("from", delivery.email.envelope_from),
        envelope_to=[str(item) for item in recipients] if isinstance(recipients, list) else [str(recipients)],
        auth=auth,
    )


def parsed_fields(form: Form) -> Delivery:
    charsets = {str(k): str(v) for k, v in _json_field(form, "charsets").items()}
    pairs = mime.header_pairs(BytesParser(policy=mime.PARSING).parsebytes(
        form.fields.get("headers", b"").strip() + b"\n\n", headersonly=True))
    first = headers.first_values(pairs)
    html = form.text("html", charsets.get("html", "utf-8")) if form.has("html") else None
    text = (form.text("text", charsets.get("text", "utf-8")) if form.has("text")
            else text_from_html(html or ""))
    attachments = tuple(_attachments(form))
    sender = form.text("from", charsets.get("from", "utf-8")) or first.get("from", "")
    if "@" not in sender:
        raise BadRequest("the SendGrid form has neither a 'from' field nor a From header")
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="sendgrid",
        subject=form.text("subject", charsets.get("subject", "utf-8")),
        **{"from": headers.first_address(sender)},
        to=headers.addresses(form.text("to", charsets.get("to", "utf-8"))),
        cc=headers.addresses(form.text("cc", charsets.get("cc", "utf-8"))),
        content_type=_content_type(first.get("content-type")),
        text=text,
        html=html,
        attachments=[body.meta for body in attachments],
        **headers.header_fields(pairs),
    )
    return Delivery(email=email, attachments=attachments)


def dkim_verdict(value: str) -> Verdict | None:
    """``{@example.com : pass, @other.org : fail}`` → pass when any signature passed."""
    results = [headers.verdict(word) for word in _DKIM_RESULT.findall(value)]
    if "pass" in results:
        return "pass"
    return next((result for result in results if result), None)


def _provider_verdicts(form: Form) -> dict[str, Verdict]:
    found: dict[str, Verdict | None] = {}
    if form.has("SPF"):
        found["spf"] = headers.verdict(form.text("SPF"))
    if form.has("dkim"):
        found["dkim"] = dkim_verdict(form.text("dkim"))
    return AuthResults(**{k: v for k, v in found.items() if v}).model_dump(exclude_none=True)


def _attachments(form: Form) -> list[AttachmentBody]:
    info = _json_field(form, "attachment-info")
    bodies = []
    for name, part in sorted(form.files.items()):
        found = info.get(name)
        described: dict[str, Any] = found if isinstance(found, dict) else {}
        bodies.append(attachment_body(
            filename=str(described.get("filename") or part.filename),
            content_type=str(described.get("type") or part.content_type),
            content=part.content,
            content_id=str(described["content-id"]) if described.get("content-id") else None,
        ))
    return bodies


def _json_field(form: Form, name: str) -> dict[str, Any]:
    if not form.has(name):
        return {}
    try:
        value = json.loads(form.fields[name])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the SendGrid field {name!r} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"the SendGrid field {name!r} must be a JSON object")
    return value


def _optional(form: Form, name: str) -> str | None:
    return form.text(name) if form.has(name) else None


def _content_type(value: str | None) -> str:
    return (value or "text/plain").split(";")[0].strip().lower() or "text/plain"

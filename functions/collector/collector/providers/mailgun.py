"""Mailgun route forwards: parsed fields (``body-plain``, ``message-headers``, ``attachment-N``) or
MIME (``body-mime``), signed with HMAC-SHA256(signing key, timestamp + token) in hex."""

from __future__ import annotations

import hashlib
import hmac
import json

from collector import headers, mime, verdicts
from collector.delivery import Delivery, attachment_body
from collector.forms import Form
from collector.htmltext import text_from_html
from collector.problems import BadRequest, Unauthorized
from planetmail.inbound import AuthResults, InboundEmail, new_tracking_id, utcnow
from planetmail.settings import Secret

MAX_SIGNATURE_AGE_SECONDS = 15 * 60


def verify_signature(form: Form, signing_key: Secret, now: float) -> str:
    """The request's token when the signature is valid and fresh; Unauthorized otherwise."""
    if not signing_key:
        raise Unauthorized("no signing key configured for the mailgun webhook")
    timestamp, token, signature = (form.text(name) for name in ("timestamp", "token", "signature"))
    if not (timestamp and token and signature):
        raise Unauthorized("the Mailgun request lacks timestamp, token or signature")
    signed = (timestamp + token).encode()
    expected = hmac.new(signing_key.reveal().encode(), signed, hashlib.sha256).hexdigest()
    # bytes, not str: compare_digest raises TypeError on a str holding non-ASCII characters
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8")):
        raise Unauthorized("the Mailgun signature does not match")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
        raise Unauthorized(f"the Mailgun timestamp is more than {MAX_SIGNATURE_AGE_SECONDS} s away from now")
    return token


def convert(form: Form) -> Delivery:
    if form.has("body-mime"):
        delivery = mime.parse(form.fields["body-mime"], "mailgun")
    else:
        delivery = parsed_fields(form)
    recipient = form.text("recipient")
    return delivery.with_email(
        provider_verdicts=verdicts.mailgun(delivery.email.headers),
        envelope_from=form.text("sender") or delivery.email.envelope_from,
        envelope_to=[item.strip() for item in recipient.split(",") if item.strip()],
    )


def parsed_fields(form: Form) -> Delivery:
    pairs = _message_headers(form)
    first = headers.first_values(pairs)
    sender = form.text("from") or first.get("from", "")
    if "@" not in sender:
        raise BadRequest("the Mailgun form has neither a 'from' field nor a From header")
    html = form.text("body-html") if form.has("body-html") else None
    attachments = tuple(
        attachment_body(part.filename, part.content_type, part.content)
        for _, part in sorted(form.files.items())
    )
    derived = headers.header_fields(pairs)
    derived["message_id"] = headers.message_id(form.text("Message-Id")) or derived["message_id"]
    derived["auth"] = _mailgun_verdicts(derived)
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="mailgun",
        subject=form.text("subject") or first.get("subject", ""),
        **{"from": headers.first_address(sender)},
        to=headers.addresses(form.text("To") or first.get("to")),
        cc=headers.addresses(form.text("Cc") or first.get("cc")),
        text=form.text("body-plain") or text_from_html(html or ""),
        html=html,
        attachments=[body.meta for body in attachments],
        **derived,
    )
    return Delivery(email=email, attachments=attachments)


def _mailgun_verdicts(derived: headers.HeaderFields) -> AuthResults:
    """Mailgun's own X-Mailgun-* checks win over the Authentication-Results it passed on."""
    kept, reported = derived["headers"], derived["auth"]
    return reported.model_copy(update={
        "spf": headers.verdict(kept.get("x-mailgun-spf")) or reported.spf,
        "dkim": headers.verdict(kept.get("x-mailgun-dkim-check-result")) or reported.dkim,
    })


def _message_headers(form: Form) -> list[tuple[str, str]]:
    if not form.has("message-headers"):
        return []
    try:
        value = json.loads(form.fields["message-headers"])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the Mailgun field 'message-headers' is not valid JSON: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
        raise BadRequest("the Mailgun field 'message-headers' must be a list of [name, value] pairs")
    return [(str(name), str(text)) for name, text in value]

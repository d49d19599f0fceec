"""The acknowledgement as an RFC 5322 message: headers, threading, one recipient, two bodies.

Everything that came from the subscriber (names, subject, message ids) is user-controlled: it is
flattened to one line, stripped of control characters and of RFC 2047 encoded-word syntax before it
goes near a header, so it can neither add nor split a header, nor smuggle one in through decoding.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import SenderIdentity

MAX_SUBJECT_CHARS = 200
MAX_REFERENCES = 10

# C0/C1 controls, DEL and the Unicode line/paragraph separators some clients treat as line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
_REPLY_PREFIX = re.compile(r"^(\s*(re|aw|sv|rv|fw|fwd)\s*:\s*)+", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"^<[\x21-\x3b\x3d\x3f-\x7e]+@[A-Za-z0-9.\[\]:-]+>$")
_TRACKING_ID = re.compile(r"[^A-Za-z0-9._-]")


@dataclasses.dataclass(frozen=True)
class Bodies:
    text: str
    html: str


def header_text(value: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """User text made safe for one header: one line, no controls, no encoded-word opener."""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return flat.replace("=?", "= ?")[:limit].strip()


def reply_subject(original: str, tracking_id: str) -> str:
    subject = _REPLY_PREFIX.sub("", header_text(original))
    return f"Re: {subject} [{tracking_id}]" if subject else f"Re: [{tracking_id}]"


def acknowledgement_message_id(tracking_id: str, domain: str) -> str:
    """Deterministic, so a resent acknowledgement would carry the same id and threads stay whole."""
    return f"<ack.{_TRACKING_ID.sub('', tracking_id)}@{domain}>"


def thread_ids(values: list[str]) -> list[str]:
    """Only well-formed ``<left@right>`` message ids survive; anything else is dropped."""
    return [v.strip() for v in values if _MESSAGE_ID.match(v.strip())]


@dataclasses.dataclass(frozen=True)
class Recipient:
    name: str
    address: str


def recipient_of(email: InboundEmail) -> Recipient:
    """``email.reply_address``, its name made safe for a header.

    The address is not validated here: the reply policy refuses anything but one plain addr-spec.
    """
    chosen = email.reply_address
    return Recipient(header_text(chosen.name, 100), chosen.address.strip())


def compose(
    email: InboundEmail, bodies: Bodies, sender: SenderIdentity, now: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _address(header_text(sender.display_name, 100), sender.address)
    recipient = recipient_of(email)
    message["To"] = _address(recipient.name, recipient.address)
    message["Subject"] = reply_subject(email.subject, email.id)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = acknowledgement_message_id(email.id, sender.message_id_domain)
    _thread(message, email)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(bodies.text, subtype="plain", charset="utf-8")
    message.add_alternative(bodies.html, subtype="html", charset="utf-8")
    return message


def _thread(message: EmailMessage, email: InboundEmail) -> None:
    original = thread_ids([email.message_id or ""])
    if not original:
        return
    message["In-Reply-To"] = original[0]
    references = [*thread_ids(email.references), original[0]]
    message["References"] = " ".join(references[-MAX_REFERENCES:])


def _address(name: str, addr_spec: str) -> Address:
    return Address(display_name=name, addr_spec=addr_spec)

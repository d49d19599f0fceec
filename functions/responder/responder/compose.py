"""The acknowledgement as an RFC 5322 message: headers, threading, one recipient, two bodies.

Everything that came from the subscriber (names, subject, message ids) is user-controlled: it is
flattened to one line, stripped of control characters and of RFC 2047 encoded-word syntax before it
goes near a header, so it can neither add nor split a header, nor smuggle one in through decoding.
Only a bounded piece of the subject is echoed (``reply_policy.max_subject_chars``).

The acknowledgement goes where RFC 3834 §4 says automatic replies go: the Return-Path (envelope
sender) when it is authenticated, a Reply-To only inside the authenticated domain, else the From.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from email.contentmanager import raw_data_manager
from email.header import Header
from email.message import EmailMessage
from email.policy import compat32
from email.utils import format_datetime, formataddr

from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import PipelineConfig, SenderIdentity
from planetmail.sender_auth import reply_recipient

MAX_SUBJECT_CHARS = 200
MAX_NAME_CHARS = 64
MAX_REFERENCES = 10

# C0/C1 controls, DEL and the Unicode line/paragraph separators some clients treat as line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Lone surrogates: undecodable bytes as Python holds them; they cannot be encoded in any header.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
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
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", value))).strip()
    return flat.replace("=?", "= ?")[:limit].strip()


def echoed_subject(original: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """The sender's subject as we repeat it: sanitised, reply prefixes gone, at most ``limit`` chars."""
    subject = _REPLY_PREFIX.sub("", header_text(original, limit=len(original))).strip()
    return subject if len(subject) <= limit else subject[:limit - 1].rstrip() + "…"


def reply_subject(original: str, tracking_id: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    subject = echoed_subject(original, limit)
    return f"Re: {subject} [{tracking_id}]" if subject else f"Re: [{tracking_id}]"


WIRE_POLICY = compat32.clone(linesep="\r\n")
"""How the acknowledgement goes on the wire: CRLF line ends, every header folded by ``email.header.Header``.

The message is composed in the same Compat32 policy, so its headers stay the strings written here:
the default policy parsed each into a header object and folded it again, a third of a responder
worker's CPU under load. ``Header`` also never moves a whole value onto a continuation line (the
default folder wrote ``Subject:\r\n Re: ...``, which readers show with a leading space). It folds at
spaces and between encoded words, never inside a plain word (a long URL stays whole: RFC 5322 allows
998 characters). Non-ASCII display names are encoded by ``_address``; the Subject by ``Header`` itself.
"""


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as the transports hand it over."""
    return message.as_bytes(policy=WIRE_POLICY)


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


def recipient_of(email: InboundEmail, config: PipelineConfig | None = None) -> Recipient:
    """``sender_auth.reply_recipient`` with a bounded, sanitised display name.

    The address is not validated here: the reply policy refuses anything but one plain addr-spec, and
    an unauthenticated sender gets no reply at all (``reply_policy.sender_unauthenticated``).
    """
    chosen = reply_recipient(email, config or PipelineConfig())
    return Recipient(header_text(chosen.name, MAX_NAME_CHARS), chosen.address)


def compose(
    email: InboundEmail, bodies: Bodies, sender: SenderIdentity, now: datetime,
    config: PipelineConfig | None = None,
) -> EmailMessage:
    """The acknowledgement in the Compat32 policy: ``message["To"]`` is the header as sent (see
    ``WIRE_POLICY``); parse ``wire_bytes`` with ``policy.default`` to read it as a receiver would."""
    config = config or PipelineConfig()
    message = EmailMessage(policy=compat32)
    message["From"] = _address(header_text(sender.display_name, 100), sender.address)
    recipient = recipient_of(email, config)
    message["To"] = _address(recipient.name, recipient.address)
    message["Subject"] = reply_subject(email.subject, email.id, config.reply_policy.max_subject_chars)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = acknowledgement_message_id(email.id, sender.message_id_domain)
    _thread(message, email)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(bodies.text, subtype="plain", charset="utf-8", content_manager=raw_data_manager)
    message.add_alternative(bodies.html, subtype="html", charset="utf-8", content_manager=raw_data_manager)
    return message


def _thread(message: EmailMessage, email: InboundEmail) -> None:
    original = thread_ids([email.message_id or ""])
    if not original:
        return
    message["In-Reply-To"] = original[0]
    references = [*thread_ids(email.references), original[0]]
    message["References"] = " ".join(references[-MAX_REFERENCES:])


def _address(name: str, addr_spec: str) -> str:
    """``Name <addr>``: an ASCII name quoted where it must be, any other as RFC 2047 encoded words
    separated by spaces, so that ``WIRE_POLICY`` can fold a long name between them."""
    if name.isascii():
        return formataddr((name, addr_spec))
    return f"{Header(name, 'utf-8').encode(linesep='')} <{addr_spec}>"

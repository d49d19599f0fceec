"""When planetmail must not acknowledge a message.

RFC 3834 (automatic responses) plus what mature helpdesks do against mail loops and backscatter.
Every rule is a pure function of the message that returns a suppression reason or None; the rules
that need state (hard-bounce list, per-recipient cap) live in ``responder.recipients``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from enum import StrEnum

from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import PipelineConfig


class Reason(StrEnum):
    DISABLED = "acknowledgements_disabled"
    SPAM = "spam"
    AUTO_SUBMITTED = "auto_submitted"
    PRECEDENCE = "bulk_precedence"
    MAILING_LIST = "mailing_list"
    AUTO_REPLY_HEADER = "auto_reply_header"
    NULL_RETURN_PATH = "null_return_path"
    ROLE_ADDRESS = "role_address"
    BOUNCE = "bounce"
    MACHINE_REPORT = "machine_report"
    OWN_DOMAIN = "own_domain"
    OWN_MESSAGE_ID = "own_message_id"
    AUTHENTICATION_FAILED = "authentication_failed"
    INVALID_RECIPIENT = "invalid_recipient"
    HARD_BOUNCE = "hard_bounce"
    RECIPIENT_CAP = "recipient_cap"


@dataclasses.dataclass(frozen=True)
class ReplyContext:
    email: InboundEmail
    category: str
    recipient: str
    """The address the acknowledgement would go to (see ``compose.recipient_of``)."""
    config: PipelineConfig

    def header(self, name: str) -> str | None:
        value = self.email.headers.get(name)
        return None if value is None else value.strip()


Rule = Callable[[ReplyContext], Reason | None]

_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
_LIST_HEADERS = ("list-id", "list-unsubscribe")
# Headers that only auto-responders and robots set (Exchange, procmail, vacation, Freshdesk...).
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply",
                       "x-fc-machinegenerated")
_SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})
_ROLE_LOCAL_PART = re.compile(
    r"^(mailer-daemon|postmaster|bounces?|no[-_.]?reply|do[-_.]?not[-_.]?reply)([-+._].*)?$",
    re.IGNORECASE,
)
_FAILED_VERDICTS = frozenset({"fail", "softfail", "permerror"})
_ADDR_SPEC = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def acknowledgements_disabled(ctx: ReplyContext) -> Reason | None:
    return None if ctx.config.reply_policy.enabled else Reason.DISABLED


def spam(ctx: ReplyContext) -> Reason | None:
    return Reason.SPAM if ctx.category == "spam" else None


def auto_submitted(ctx: ReplyContext) -> Reason | None:
    """RFC 3834 §2: anything but ``no`` (parameters ignored) marks an automatic message."""
    value = ctx.header("auto-submitted")
    if value is None:
        return None
    return None if value.split(";")[0].strip().lower() == "no" else Reason.AUTO_SUBMITTED


def bulk_precedence(ctx: ReplyContext) -> Reason | None:
    value = (ctx.header("precedence") or "").lower()
    return Reason.PRECEDENCE if value in _BULK_PRECEDENCE else None


def mailing_list(ctx: ReplyContext) -> Reason | None:
    return Reason.MAILING_LIST if any(ctx.header(name) is not None for name in _LIST_HEADERS) else None


def auto_reply_header(ctx: ReplyContext) -> Reason | None:
    if any(ctx.header(name) is not None for name in _AUTO_REPLY_HEADERS):
        return Reason.AUTO_REPLY_HEADER
    suppress = {part.strip().lower() for part in (ctx.header("x-auto-response-suppress") or "").split(",")}
    return Reason.AUTO_REPLY_HEADER if suppress & _SUPPRESS_VALUES else None


def null_return_path(ctx: ReplyContext) -> Reason | None:
    """The null sender ``<>`` is how bounces and many auto-replies announce themselves."""
    envelope = ctx.email.envelope_from
    return_path = ctx.header("return-path")
    if envelope is not None and envelope.strip() in ("", "<>"):
        return Reason.NULL_RETURN_PATH
    null = return_path is not None and return_path.replace(" ", "") == "<>"
    return Reason.NULL_RETURN_PATH if null else None


def role_address(ctx: ReplyContext) -> Reason | None:
    """mailer-daemon, postmaster, bounce and no-reply style senders never read a reply."""
    addresses = (ctx.email.sender, ctx.recipient, ctx.email.envelope_from or "")
    return Reason.ROLE_ADDRESS if any(_ROLE_LOCAL_PART.match(_local_part(a)) for a in addresses) else None


def delivery_report(ctx: ReplyContext) -> Reason | None:
    """RFC 6522 multipart/report: a DSN (RFC 3464) is a bounce; MDNs and ARF reports are robots too."""
    if ctx.email.content_type.lower() != "multipart/report":
        return None
    dsn = (ctx.email.report_type or "").lower() == "delivery-status"
    return Reason.BOUNCE if dsn else Reason.MACHINE_REPORT


def own_domain(ctx: ReplyContext) -> Reason | None:
    own = {d.lower() for d in ctx.config.reply_policy.own_domains} | {_domain(ctx.config.sender.address)}
    senders = (ctx.email.sender, ctx.recipient, ctx.email.envelope_from or "")
    return Reason.OWN_DOMAIN if any(_within(_domain(a), own) for a in senders if "@" in a) else None


def own_message_id(ctx: ReplyContext) -> Reason | None:
    """Our own acknowledgement reflected back to us (forwarded, redirected, bounced without a report)."""
    message_id = (ctx.email.message_id or "").strip().strip("<>")
    ours = ctx.config.sender.message_id_domain.lower()
    return Reason.OWN_MESSAGE_ID if message_id.lower().endswith("@" + ours) else None


def authentication_failed(ctx: ReplyContext) -> Reason | None:
    """Backscatter guard: SPF, DKIM and DMARC all known and all failed, so the From is likely forged."""
    if not ctx.config.reply_policy.backscatter_guard:
        return None
    auth = ctx.email.auth
    verdicts = (auth.spf, auth.dkim, auth.dmarc)
    return Reason.AUTHENTICATION_FAILED if all(v in _FAILED_VERDICTS for v in verdicts) else None


def invalid_recipient(ctx: ReplyContext) -> Reason | None:
    """Exactly one plain addr-spec, or no reply at all (no lists, no comments, no CR/LF)."""
    return None if _ADDR_SPEC.match(ctx.recipient) else Reason.INVALID_RECIPIENT


RULES: tuple[Rule, ...] = (
    acknowledgements_disabled,
    spam,
    invalid_recipient,
    auto_submitted,
    bulk_precedence,
    mailing_list,
    auto_reply_header,
    null_return_path,
    delivery_report,
    role_address,
    own_domain,
    own_message_id,
    authentication_failed,
)


def suppression_reason(ctx: ReplyContext) -> Reason | None:
    """The first rule that forbids an acknowledgement, or None when one may be sent."""
    for rule in RULES:
        reason = rule(ctx)
        if reason is not None:
            return reason
    return None


def _local_part(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[0]


def _domain(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].lower()


def _within(domain: str, own: set[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in own)

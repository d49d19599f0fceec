"""The reply policy against raw messages as they arrive: real auto-replies, bounces, list posts.

The messages go through the collector's MIME parser, so the table also checks that the record keeps
every header the policy reads.
"""

from __future__ import annotations

import pytest

from collector.mime import parse
from planetmail.pipeline_config import PipelineConfig, ReplyPolicyConfig
from responder.compose import recipient_of
from responder.reply_policy import Reason, ReplyContext, suppression_reason

GENUINE = """\
Return-Path: <maria.lopez@example.com>
Authentication-Results: mx.dailyplanet.example; spf=pass smtp.mailfrom=example.com;
 dkim=pass header.d=example.com; dmarc=pass header.from=example.com
From: =?utf-8?q?Mar=C3=ADa_L=C3=B3pez?= <maria.lopez@example.com>
To: readers@dailyplanet.example
Subject: My paper did not arrive
Date: Thu, 26 Nov 2026 08:12:03 +0100
Message-ID: <CAF7x1=q9@mail.example.com>
X-Auto-Response-Suppress: DR, RN, NRN
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

For the third day in a row my Daily Planet was not delivered.
"""

# RFC 3834 §5.1-style vacation reply.
VACATION = """\
Return-Path: <jsmith@example.org>
From: John Smith <jsmith@example.org>
To: readers@dailyplanet.example
Subject: Out of office: Re: your renewal
Auto-Submitted: auto-replied (vacation)
Message-ID: <oof-77@example.org>
Content-Type: text/plain

I am away until Monday with limited access to email.
"""

# Exchange out-of-office: no Auto-Submitted, only the Microsoft headers.
EXCHANGE_OOF = """\
Return-Path: <p.jones@contoso.example>
From: Pat Jones <p.jones@contoso.example>
To: readers@dailyplanet.example
Subject: Automatic reply: Subscription question
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: p.jones@contoso.example
Message-ID: <DM6PR.oof.1@contoso.example>
Content-Type: text/plain

I'm out of the office and will reply when I return.
"""

EXCHANGE_OOF_ONLY = EXCHANGE_OOF.replace("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: OOF")

X_AUTOREPLY = """\
Return-Path: <support@vendor.example>
From: Vendor Support <support@vendor.example>
To: readers@dailyplanet.example
Subject: We got your message
X-Autoreply: yes
Content-Type: text/plain

Thanks, a ticket was opened.
"""

X_AUTORESPOND = X_AUTOREPLY.replace("X-Autoreply: yes", "X-Autorespond: Thank you")

MAILING_LIST_POST = """\
Return-Path: <press-bounces+readers=dailyplanet.example@lists.city.example>
From: City Council Press <press@city.example>
To: press@lists.city.example
Subject: [press] Council meeting moved to Thursday
List-Id: City press releases <press.lists.city.example>
List-Unsubscribe: <mailto:press-leave@lists.city.example>
List-Post: <mailto:press@lists.city.example>
Message-ID: <20261126.1@city.example>
Content-Type: text/plain

The council meeting is moved to Thursday at 7pm.
"""

NEWSLETTER = """\
Return-Path: <mailer@shop.example>
From: Shop Deals <deals@shop.example>
To: readers@dailyplanet.example
Subject: 50% off this weekend
List-Unsubscribe: <https://shop.example/unsubscribe?u=123>, <mailto:unsub@shop.example>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Content-Type: text/html

<p>Sale!</p>
"""

BULK = """\
Return-Path: <news@club.example>
From: Chess Club <news@club.example>
To: readers@dailyplanet.example
Subject: Weekly results
Precedence: {precedence}
Content-Type: text/plain

Results attached.
"""

# RFC 3464 §6 style DSN as Postfix sends it (null return path, Auto-Submitted).
POSTFIX_BOUNCE = """\
Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: readers@dailyplanet.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="4D5C1A.1764140000/mx.example.net"
Message-Id: <20261126071201.4D5C1A@mx.example.net>

--4D5C1A.1764140000/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--4D5C1A.1764140000/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Thu, 26 Nov 2026 07:12:00 +0000 (UTC)

Final-Recipient: rfc822; gone@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected

--4D5C1A.1764140000/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Daily Planet Reader Services <readers@dailyplanet.example>
Subject: Re: Delivery [01JABC]

--4D5C1A.1764140000/mx.example.net--
"""

# A DSN relayed by a provider webhook that kept no envelope and no Auto-Submitted header.
EXCHANGE_NDR = """\
From: Microsoft Outlook <bounce-reports@outlook.example>
To: readers@dailyplanet.example
Subject: Undeliverable: Re: your subscription
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="ndr"

--ndr
Content-Type: text/plain

Delivery has failed to these recipients.

--ndr
Content-Type: message/delivery-status

Reporting-MTA: dns;BN8PR.outlook.example

Final-Recipient: rfc822;nobody@contoso.example
Action: failed
Status: 5.1.10

--ndr--
"""

READ_RECEIPT = """\
Return-Path: <ana@example.es>
From: Ana <ana@example.es>
To: readers@dailyplanet.example
Subject: Leído: Su suscripción
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain

Su mensaje fue leído.

--mdn
Content-Type: message/disposition-notification

Final-Recipient: rfc822;ana@example.es
Disposition: manual-action/MDN-sent-manually; displayed

--mdn--
"""

SIMPLE = """\
Return-Path: <{envelope}>
From: {sender}
To: readers@dailyplanet.example
Subject: Hello
Message-ID: {message_id}
Content-Type: text/plain

Hello there.
"""

FORGED = """\
Return-Path: <ceo@bank.example>
Authentication-Results: mx.dailyplanet.example; spf={spf} smtp.mailfrom=bank.example;
 dkim={dkim} header.d=bank.example; dmarc={dmarc} header.from=bank.example
From: CEO <ceo@bank.example>
To: readers@dailyplanet.example
Subject: Urgent transfer
Content-Type: text/plain

Please wire money.
"""

REPLY_TO = """\
Return-Path: <alice@example.com>
From: Alice <alice@example.com>
Reply-To: {reply_to}
To: readers@dailyplanet.example
Subject: Hello
Content-Type: text/plain

Hi.
"""


def simple(sender: str = "Bob <bob@example.com>", envelope: str = "bob@example.com",
           message_id: str = "<m1@example.com>") -> str:
    return SIMPLE.format(sender=sender, envelope=envelope, message_id=message_id)


CASES = [
    pytest.param(GENUINE, "questions", None, id="genuine"),
    pytest.param(GENUINE.replace("X-Auto-Response-Suppress: DR, RN, NRN\n", "Auto-Submitted: no\n"),
                 "complaints", None, id="auto-submitted-no"),
    pytest.param(VACATION, "subscriptions", Reason.AUTO_SUBMITTED, id="rfc3834-vacation"),
    pytest.param(VACATION.replace("auto-replied (vacation)", "auto-generated"), "questions",
                 Reason.AUTO_SUBMITTED, id="auto-generated"),
    pytest.param(EXCHANGE_OOF, "questions", Reason.AUTO_REPLY_HEADER, id="exchange-oof-all"),
    pytest.param(EXCHANGE_OOF_ONLY, "questions", Reason.AUTO_REPLY_HEADER, id="exchange-oof"),
    pytest.param(X_AUTOREPLY, "questions", Reason.AUTO_REPLY_HEADER, id="x-autoreply"),
    pytest.param(X_AUTORESPOND, "questions", Reason.AUTO_REPLY_HEADER, id="x-autorespond"),
    pytest.param(MAILING_LIST_POST, "news_tips", Reason.MAILING_LIST, id="list-post"),
    pytest.param(NEWSLETTER, "advertising", Reason.MAILING_LIST, id="list-unsubscribe"),
    *[pytest.param(BULK.format(precedence=p), "questions", Reason.PRECEDENCE, id=f"precedence-{p}")
      for p in ("bulk", "list", "junk", "auto_reply")],
    pytest.param(BULK.format(precedence="first-class"), "questions", None, id="precedence-first-class"),
    pytest.param(BULK.format(precedence="first-class\nX-Precedence: bulk"), "questions", Reason.PRECEDENCE,
                 id="x-precedence-bulk"),
    pytest.param(X_AUTOREPLY.replace("X-Autoreply: yes", "X-AutoGenerated: Reply"), "questions",
                 Reason.AUTO_REPLY_HEADER, id="x-autogenerated"),
    pytest.param(POSTFIX_BOUNCE, "complaints", Reason.AUTO_SUBMITTED, id="postfix-dsn"),
    pytest.param(POSTFIX_BOUNCE.replace("Auto-Submitted: auto-replied\n", ""), "complaints",
                 Reason.NULL_RETURN_PATH, id="dsn-null-return-path"),
    pytest.param(EXCHANGE_NDR, "complaints", Reason.BOUNCE, id="dsn-multipart-report"),
    pytest.param(READ_RECEIPT, "subscriptions", Reason.MACHINE_REPORT, id="mdn"),
    pytest.param(simple(envelope=""), "questions", Reason.NULL_RETURN_PATH, id="null-sender"),
    *[pytest.param(simple(sender=f"Robot <{a}>", envelope=a), "questions", Reason.ROLE_ADDRESS, id=a)
      for a in ("noreply@shop.example", "no-reply@accounts.example", "do-not-reply@bank.example",
                "postmaster@example.net", "MAILER-DAEMON@example.net", "noreply+12@app.example")],
    pytest.param(simple(sender="Norah <norah.reply@example.com>", envelope="norah.reply@example.com"),
                 "praise", None, id="reply-in-a-name-is-fine"),
    pytest.param(simple(sender="Desk <desk@dailyplanet.example>", envelope="desk@dailyplanet.example"),
                 "questions", Reason.OWN_DOMAIN, id="own-domain"),
    pytest.param(simple(sender="Desk <desk@news.dailyplanet.example>", envelope="x@news.dailyplanet.example"),
                 "questions", Reason.OWN_DOMAIN, id="own-subdomain"),
    pytest.param(simple(message_id="<ack.01JABC@dailyplanet.example>"), "questions",
                 Reason.OWN_MESSAGE_ID, id="our-own-message-reflected"),
    pytest.param(simple(), "spam", Reason.SPAM, id="spam"),
    pytest.param(REPLY_TO.format(reply_to="Alice Work <alice@work.example>"), "questions", None,
                 id="reply-to"),
    pytest.param(REPLY_TO.format(reply_to="noreply@example.com"), "questions", Reason.ROLE_ADDRESS,
                 id="reply-to-noreply"),
    pytest.param(REPLY_TO.format(reply_to="a@example.com, b@example.com"), "questions", None,
                 id="two-reply-to-falls-back-to-from"),
    pytest.param(simple(sender="Eve <eve@example.com>, Mallory <m@example.com>"), "questions", None,
                 id="first-from-only"),
]


def forged(spf: str = "none", dkim: str = "none", dmarc: str = "none", spf_domain: str = "bank.example",
           dkim_domain: str = "bank.example") -> str:
    return FORGED.format(spf=spf, dkim=dkim, dmarc=dmarc).replace(
        "smtp.mailfrom=bank.example", f"smtp.mailfrom={spf_domain}").replace(
        "header.d=bank.example", f"header.d={dkim_domain}")


AUTHENTICATION_CASES = [
    pytest.param(GENUINE, None, id="dmarc-pass"),
    pytest.param(forged("fail", "fail", "fail"), Reason.SENDER_UNAUTHENTICATED, id="all-auth-failed"),
    pytest.param(forged("softfail", "permerror", "fail"), Reason.SENDER_UNAUTHENTICATED,
                 id="all-auth-failed-mixed"),
    pytest.param(forged("fail", "pass", "pass"), None, id="forwarded-spf-fail-dkim-pass"),
    pytest.param(forged("pass", "pass", "fail"), Reason.SENDER_UNAUTHENTICATED, id="dmarc-fail-decides"),
    pytest.param(forged("fail", "fail", "none"), Reason.SENDER_UNAUTHENTICATED, id="spf-dkim-fail-no-dmarc"),
    pytest.param(forged("none", "none", "none"), Reason.SENDER_UNAUTHENTICATED, id="no-authentication"),
    pytest.param(simple(), Reason.SENDER_UNAUTHENTICATED, id="no-verdicts-at-all"),
    pytest.param(forged(spf="pass"), None, id="aligned-spf-without-dmarc"),
    pytest.param(forged(spf="pass", spf_domain="mail.bank.example"), None, id="aligned-spf-subdomain"),
    pytest.param(forged(spf="pass", spf_domain="evil.example"), Reason.SENDER_UNAUTHENTICATED,
                 id="unaligned-spf"),
    pytest.param(forged(dkim="pass"), None, id="aligned-dkim-without-dmarc"),
    pytest.param(forged(dkim="pass", dkim_domain="evil.example"), Reason.SENDER_UNAUTHENTICATED,
                 id="unaligned-dkim"),
    pytest.param(forged(spf="pass", spf_domain="evil.example").replace(
        "Return-Path: <ceo@bank.example>", "Return-Path: <x@evil.example>"), Reason.SENDER_UNAUTHENTICATED,
        id="spf-pass-for-another-envelope-domain"),
]

WITHOUT_AUTHENTICATION = PipelineConfig(reply_policy=ReplyPolicyConfig(sender_authentication="off"))
"""The table above tests the other rules; most of its messages carry no verdicts at all."""


def context(raw: str, category: str, config: PipelineConfig | None = None) -> ReplyContext:
    email = parse(raw.encode("utf-8"), "api").email
    config = config or PipelineConfig()
    return ReplyContext(email, category, recipient_of(email, config).address, config)


@pytest.mark.parametrize(("raw", "category", "expected"), CASES)
def test_suppression_reason_of_raw_message(raw: str, category: str, expected: Reason | None) -> None:
    assert suppression_reason(context(raw, category, WITHOUT_AUTHENTICATION)) == expected


@pytest.mark.parametrize(("raw", "expected"), AUTHENTICATION_CASES)
def test_only_an_authenticated_from_domain_gets_a_reply(raw: str, expected: Reason | None) -> None:
    assert suppression_reason(context(raw, "questions")) == expected


@pytest.mark.parametrize(("category", "acknowledge_other", "expected"), [
    ("other", False, Reason.NOT_READER_MAIL),
    ("other", True, None),
    ("questions", False, None),
])
def test_ordinary_mail_is_not_acknowledged_unless_configured(category: str, acknowledge_other: bool,
                                                            expected: Reason | None) -> None:
    config = PipelineConfig(reply_policy=ReplyPolicyConfig(acknowledge_other_mail=acknowledge_other))
    assert suppression_reason(context(GENUINE, category, config)) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("X-Spam-Status: Yes, score=1000.0 required=5.0 tests=GTUBE", Reason.PROVIDER_SPAM),
    ("X-Mailgun-Sflag: Yes", Reason.PROVIDER_SPAM),
    ("X-SES-Spam-Verdict: FAIL", Reason.PROVIDER_SPAM),
    ("X-Spam-Status: No, score=0.1", None),
])
def test_provider_flagged_spam_is_never_acknowledged(header: str, expected: Reason | None) -> None:
    email = parse(GENUINE.replace("MIME-Version: 1.0", f"{header}\nMIME-Version: 1.0").encode(), "api").email
    name, value = header.split(":", 1)
    headers = {**email.headers, name.lower(): value.strip()}
    email = email.model_copy(update={"headers": headers})  # the collector may not keep every one yet
    config = PipelineConfig()
    ctx = ReplyContext(email, "questions", recipient_of(email, config).address, config)
    assert suppression_reason(ctx) == expected


def test_provider_verdicts_on_the_record_win_over_the_model() -> None:
    email = parse(GENUINE.encode(), "api").email
    email = email.model_copy(update={"provider_verdicts": {"spam": "fail", "score": 997.0,
                                                           "virus": "unknown", "provider": "sendgrid"}})
    ctx = ReplyContext(email, "questions", recipient_of(email).address, PipelineConfig())
    assert suppression_reason(ctx) == Reason.PROVIDER_SPAM


@pytest.mark.parametrize("address", ["victim@example.com\r\nBcc: x@evil.example", "a@b.example, c@d.example",
                                     "not-an-address", "<x@example.com>", "", "ann@example..com",
                                     ".ann@example.com", "ann.@example.com", "a..b@example.com",
                                     "ann@example.com\n"])
def test_anything_but_one_plain_address_is_refused(address: str) -> None:
    ctx = context(simple(), "questions", WITHOUT_AUTHENTICATION)
    assert suppression_reason(ReplyContext(ctx.email, "questions", address, ctx.config)) == \
        Reason.INVALID_RECIPIENT


@pytest.mark.parametrize("address", ["ann@example.com", "a.b+tag@mail.example.com", "o'neil@example.ie",
                                     "x@xn--bcher-kva.example", "reader@localhost"])
def test_a_plain_address_is_accepted(address: str) -> None:
    ctx = context(simple(), "questions", WITHOUT_AUTHENTICATION)
    assert suppression_reason(ReplyContext(ctx.email, "questions", address, ctx.config)) is None


def test_disabled_acknowledgements_suppress_everything() -> None:
    config = PipelineConfig(reply_policy=ReplyPolicyConfig(enabled=False))
    assert suppression_reason(context(GENUINE, "questions", config)) == Reason.DISABLED


def test_backscatter_guard_can_be_switched_off() -> None:
    config = PipelineConfig(reply_policy=ReplyPolicyConfig(backscatter_guard=False))
    raw = FORGED.format(spf="fail", dkim="fail", dmarc="fail")
    assert suppression_reason(context(raw, "questions", config)) is None
    assert suppression_reason(context(raw, "questions")) == Reason.SENDER_UNAUTHENTICATED


def test_own_domains_come_from_config() -> None:
    config = PipelineConfig(reply_policy=ReplyPolicyConfig(own_domains=("example.com",)))
    assert suppression_reason(context(GENUINE, "questions", config)) == Reason.OWN_DOMAIN

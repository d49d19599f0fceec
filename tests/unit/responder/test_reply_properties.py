"""Generated raw mail through the collector's parser, the reply policy and the composer.

Every header the policy and the composer read (addresses, Authentication-Results, Return-Path,
Reply-To, the auto-reply and list headers) is drawn from hostile text. Whatever arrives, the responder
must reach a decision (a suppression reason, or an acknowledgement it can put on the wire to one plain
address): an exception here would leave a message without an outcome until its record is dead-lettered.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

from fuzzing import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collector.mime import parse
from collector.problems import BadRequest
from planetmail.pipeline_config import PipelineConfig, ReplyPolicyConfig
from responder.compose import Bodies, compose, recipient_of, wire_bytes
from responder.recipients import normalised_address
from responder.reply_policy import ReplyContext, suppression_reason

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
POLICIES = (PipelineConfig(), PipelineConfig(reply_policy=ReplyPolicyConfig(sender_authentication="off")))
"""The shipped policy, and one that answers unauthenticated senders, so the composer sees every sender."""
ADDR_SPEC = re.compile(r"[^\s<>@,;:\"]+@[^\s<>@,;:\"]+")

LOCAL = st.sampled_from(["ann", "a.b+tag", "\"quoted local\"", "ñandú", "", "postmaster", "x" * 70])
DOMAIN = st.sampled_from(["example.com", "mail.example.com", "dailyplanet.example", "xn--bcher-kva.example",
                          "[192.0.2.1]", "bücher.example", "", "example..com"])
HOSTILE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
PLAIN = st.builds("{}@{}".format, LOCAL, DOMAIN)
NAMED = st.builds("{} <{}@{}>".format, HOSTILE, LOCAL, DOMAIN)
ADDRESS = st.one_of(PLAIN, NAMED, HOSTILE)
VERDICT = st.sampled_from(["pass", "fail", "softfail", "none", "neutral", "temperror", "PASS", "", "a b"])
AUTH_RESULTS = st.one_of(
    st.builds("mx.example; spf={} smtp.mailfrom={}; dkim={} header.d={}; dmarc={} header.from={}".format,
              VERDICT, DOMAIN, VERDICT, DOMAIN, VERDICT, DOMAIN),
    HOSTILE,
)
OPTIONAL_HEADERS = st.dictionaries(
    st.sampled_from(["Reply-To", "Return-Path", "Authentication-Results", "Auto-Submitted", "Precedence",
                     "List-Id", "List-Unsubscribe", "X-Auto-Response-Suppress", "In-Reply-To", "References",
                     "Message-ID", "Sender", "X-Spam-Status", "Content-Type"]),
    st.one_of(ADDRESS, AUTH_RESULTS, HOSTILE),
    max_size=6,
)

THREAD_HEADERS = st.sampled_from(["Reply-To", "Authentication-Results", "Message-ID", "References",
                                  "In-Reply-To", "Content-Type", "X-Spam-Status"])
"""Headers that neither mark mail as automatic nor as a list: a reader's reply may carry any of them."""
NOT_OURS = lambda value: "dailyplanet" not in value  # noqa: E731 - our own message ids mean a loop


def raw_message(sender: str, subject: str, headers: dict[str, str]) -> bytes:
    lines = [f"From: {sender}", "To: readers@dailyplanet.example", f"Subject: {subject}",
             *(f"{name}: {value}" for name, value in headers.items()), "", "My paper did not arrive."]
    one_line_each = (line.replace("\r", " ").replace("\n", " ") for line in lines)
    return "\r\n".join(one_line_each).encode("utf-8", "replace")


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sender=ADDRESS, subject=HOSTILE, headers=OPTIONAL_HEADERS, config=st.sampled_from(POLICIES),
       category=st.sampled_from(["complaints", "questions", "spam", "other", "human_review"]))
def test_any_arriving_mail_gets_a_reason_or_an_acknowledgement_to_one_plain_address(
    sender: str, subject: str, headers: dict[str, str], config: PipelineConfig, category: str
) -> None:
    decide_and_compose(raw_message(sender, subject, headers), category, config)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE, local=st.sampled_from(["ann", "a.b+tag", "x" * 70]), subject=HOSTILE,
       headers=st.dictionaries(THREAD_HEADERS, st.one_of(ADDRESS, AUTH_RESULTS, HOSTILE).filter(NOT_OURS),
                               max_size=4))
@example(name="Ann\u202e", local="ann", subject="Re:\x00 \u2028x", headers={})
def test_a_reader_with_any_name_subject_and_thread_headers_is_acknowledged_to_their_address(
    name: str, local: str, subject: str, headers: dict[str, str]
) -> None:
    """The sender's own address is plain, so only Reply-To can send the reply elsewhere or nowhere."""
    sender = f"{local}@example.com"
    reason, recipient = decide_and_compose(raw_message(f"{name} <{sender}>", subject, headers), "complaints",
                                           POLICIES[1])

    if "Reply-To" in headers:
        assert reason is None or recipient != sender, (reason, recipient)
    else:
        assert (reason, recipient) == (None, sender)


def decide_and_compose(raw: bytes, category: str, config: PipelineConfig) -> tuple[str | None, str]:
    """The reason and the address the reply would go to; no reason once the acknowledgement went on
    the wire to that one address."""
    try:
        email = parse(raw, "imap").email
    except BadRequest:
        return "refused at intake", ""  # a problem document is its outcome
    recipient = recipient_of(email, config)
    reason = suppression_reason(ReplyContext(email, category, recipient.address, config))
    if reason is not None:
        return str(reason), recipient.address
    assert ADDR_SPEC.fullmatch(recipient.address), recipient
    normalised_address(recipient.address)
    wire = wire_bytes(compose(email, Bodies("text", "<p>html</p>"), config.sender, NOW, config))
    sent = message_from_bytes(wire, policy=policy.default)
    assert [str(to.addr_spec) for to in sent["To"].addresses] == [recipient.address]
    return None, recipient.address

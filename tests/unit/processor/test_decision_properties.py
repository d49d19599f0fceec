"""Generated raw mail through the collector's parser and the processor's decision.

Subjects, bodies, HTML (links to hosts of every shape, images), bulk and authentication headers and
provider spam headers are drawn from hostile text. Every message must get exactly one decision the
router knows, with a confidence it can compare: an exception here dead-letters the message instead.
"""

from __future__ import annotations

from fuzzing import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.mime import parse
from collector.problems import BadRequest
from planetmail.classification import CATEGORIES, HUMAN_REVIEW, OTHER
from planetmail.pipeline_config import PipelineConfig
from processor.mail import from_inbound

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
HOST = st.sampled_from(["example.com", "192.0.2.1", "[::1", "xn--", "a" * 300, "999.999.999.999:99999", "",
                        "é.example"])
LINK = st.builds('<a href="http://{}/x">{}</a><img src="https://{}/p.gif">'.format, HOST, TEXT, HOST)
HEADERS = st.dictionaries(
    st.sampled_from(["List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted", "X-Mailer", "Feedback-ID",
                     "Authentication-Results", "X-Spam-Status", "X-Spam-Score", "X-Mailgun-Sflag",
                     "X-Mailgun-Sscore", "X-SES-Spam-Verdict"]),
    st.one_of(TEXT, st.sampled_from(["bulk", "Yes, score=999", "nan", "-inf", "1e308", "auto-generated",
                                     "FAIL"])),
    max_size=5,
)


def raw_message(subject: str, body: str, html: str | None, headers: dict[str, str]) -> bytes:
    lines = ["From: Lois <lois@example.org>", f"Subject: {subject}",
             *(f"{name}: {value}" for name, value in headers.items())]
    lines = [line.replace("\r", " ").replace("\n", " ") for line in lines]
    if html is None:
        lines += ["Content-Type: text/plain; charset=utf-8", "", body]
    else:
        lines += ["Content-Type: text/html; charset=utf-8", "", f"<p>{body}</p>{html}"]
    return "\r\n".join(lines).encode("utf-8", "replace")


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=TEXT, body=TEXT, html=st.none() | st.lists(LINK, max_size=3).map("".join), headers=HEADERS)
def test_any_arriving_mail_gets_one_decision_the_router_knows(
    classifier, subject: str, body: str, html: str | None, headers: dict[str, str]
) -> None:
    try:
        email = parse(raw_message(subject, body, html, headers), "imap").email
    except BadRequest:
        return  # refused at intake with a problem document
    [decision] = classifier.decide([from_inbound(email)], PipelineConfig())

    assert decision.classification.category in {*CATEGORIES, OTHER, HUMAN_REVIEW}
    assert 0.0 <= decision.classification.confidence <= 1.0
    assert decision.classification.language in {"en", "es"}

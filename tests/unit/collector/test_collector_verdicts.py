"""Provider spam/virus verdicts normalised to ProviderVerdicts, from each provider's own fields."""

from __future__ import annotations

import pytest

from collector import verdicts
from collector.forms import Form
from collector.providers import mailgun, postmark
from collector.providers.postmark import PostmarkInbound


@pytest.mark.parametrize(("flag", "score", "expected"), [
    ("Yes", "7.2", ("fail", 7.2)), ("No", "-0.1", ("pass", -0.1)), ("maybe", "nan-ish", ("unknown", None)),
])
def test_mailgun_sflag_and_sscore(flag: str, score: str, expected: tuple[str, float | None]) -> None:
    headers = f'[["X-Mailgun-Sflag", "{flag}"], ["X-Mailgun-Sscore", "{score}"]]'.encode()
    form = Form(fields={"from": b"a@example.org", "body-plain": b"hi", "message-headers": headers}, files={})

    found = mailgun.convert(form).email.provider_verdicts

    assert found is not None and (found.spam, found.score, found.provider) == (*expected, "mailgun")


def test_postmark_spam_headers() -> None:
    payload = PostmarkInbound.model_validate({
        "MessageID": "m", "FromFull": {"Email": "a@example.org"},
        "Headers": [{"Name": "X-Spam-Status", "Value": "Yes, score=6.1"},
                    {"Name": "X-Spam-Score", "Value": "6.1"}],
    })

    found = postmark.from_inbound(payload).email.provider_verdicts

    assert found is not None and found.model_dump() == {"spam": "fail", "score": 6.1, "virus": "unknown",
                                                        "provider": "postmark"}


@pytest.mark.parametrize(("score", "report", "expected"), [
    ("2.1", "Content analysis details:   (2.1 points, 5.0 required)", ("pass", 2.1)),
    ("6.0", "Content analysis details:   (6.0 points, 5.0 required)", ("fail", 6.0)),
    ("3.5", "(3.5 points, 3.0 required)", ("fail", 3.5)),
    ("9", None, ("fail", 9.0)),
    (None, "(1.0 points, 5.0 required)", ("pass", 1.0)),
    ("junk", None, ("unknown", None)),
])
def test_sendgrid_score_against_the_reports_threshold(score, report, expected) -> None:
    found = verdicts.sendgrid(score, report)

    assert found is not None and (found.spam, found.score) == expected


@pytest.mark.parametrize(("spam", "virus", "expected"), [
    ("PASS", "PASS", ("pass", "pass")), ("FAIL", "GRAY", ("fail", "unknown")),
    ("PROCESSING_FAILED", "FAIL", ("unknown", "fail")),
])
def test_ses_receipt_verdicts(spam: str, virus: str, expected: tuple[str, str]) -> None:
    found = verdicts.ses({"status": spam}, {"status": virus})

    assert found is not None and (found.spam, found.virus, found.score) == (*expected, None)


def test_nothing_reported_is_none() -> None:
    assert (verdicts.mailgun({}), verdicts.postmark({}), verdicts.sendgrid(None, None),
            verdicts.ses({}, {})) == (None, None, None, None)

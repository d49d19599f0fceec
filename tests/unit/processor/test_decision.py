import numpy as np
import pytest

from processor.decision import BULK_KEEP, decide
from processor.mail import Mail
from processor.model import LABELS
from processor.signals import GTUBE, signals_of


def _row(**probabilities):
    return np.array([probabilities.get(label, 0.0) for label in LABELS])


def _decide(row, mail=None, backing=0.0, spam_threshold=0.3, confidence_threshold=0.5, words=True):
    signals = signals_of(mail or Mail(subject="", body="text"))
    return decide(row, backing, LABELS, signals, spam_threshold, confidence_threshold, words)


@pytest.mark.parametrize("where", ["subject", "body", "html"])
def test_gtube_is_spam_whatever_the_model_says(where):
    mail = Mail(**{"subject": "", "body": "", "html": None, where: f"hello {GTUBE}"})
    outcome = _decide(_row(praise=0.99), mail)
    assert (outcome.category, outcome.confidence, outcome.reasons) == ("spam", 1.0, ("GTUBE test string",))


@pytest.mark.parametrize(("verdicts", "reason"), [
    ({"spam": "fail", "virus": "pass", "score": 7.5, "provider": "sendgrid"}, "spam verdict"),
    ({"spam": "pass", "virus": "fail", "score": None, "provider": "ses"}, "virus verdict"),
])
def test_a_provider_fail_verdict_is_spam(verdicts, reason):
    outcome = _decide(_row(complaints=0.9), Mail(subject="", body="x", provider_verdicts=verdicts))
    assert outcome.category == "spam"
    assert reason in outcome.reasons[0]


def test_a_provider_pass_does_not_overrule_the_model():
    mail = Mail(subject="", body="x", provider_verdicts={"spam": "pass", "score": 0.1, "provider": "ses"})
    assert _decide(_row(spam=0.9), mail, backing=0.9).category == "spam"


def test_a_forged_sender_needs_half_the_spam_backing():
    forged = Mail(subject="", body="x", auth={"spf": "fail", "dkim": "fail", "dmarc": "fail"})
    honest = Mail(subject="", body="x", auth={"spf": "pass", "dkim": "fail", "dmarc": "fail"})
    row = _row(questions=0.9, spam=0.0)
    assert _decide(row, forged, backing=0.16, spam_threshold=0.3).category == "spam"
    assert _decide(row, honest, backing=0.16, spam_threshold=0.3).category == "questions"


@pytest.mark.parametrize("headers", [
    {"list-id": "<digest.example.org>"},
    {"list-unsubscribe": "<mailto:leave@example.org>"},
    {"precedence": "bulk"},
    {"auto-submitted": "auto-generated"},
    {"x-mailer": "Mailchimp Mailer - **CID1234**"},
])
def test_bulk_mail_the_model_is_unsure_of_is_other(headers):
    mail = Mail(subject="", body="x", headers=headers)
    outcome = _decide(_row(complaints=BULK_KEEP - 0.01, other=0.19), mail)
    assert outcome.category == "other"
    assert "bulk-mail headers" in outcome.reasons[0]


def test_bulk_mail_the_model_half_calls_spam_is_other_not_human_review():
    mail = Mail(subject="", body="x", headers={"list-id": "<l.example.org>"})
    assert _decide(_row(spam=0.45, questions=0.3, other=0.25), mail, backing=0.9).category == "other"
    assert _decide(_row(spam=0.6, other=0.4), mail, backing=0.9).category == "spam"


def test_bulk_mail_the_model_is_sure_of_keeps_its_category():
    mail = Mail(subject="", body="x", headers={"list-id": "<press.example.org>"})
    assert _decide(_row(news_tips=0.95), mail).category == "news_tips"


def test_a_person_writing_from_an_ordinary_client_is_not_bulk():
    mail = Mail(subject="", body="x", headers={"x-mailer": "Apple Mail (2.3654)", "auto-submitted": "no"})
    assert signals_of(mail).bulk == ()
    assert _decide(_row(complaints=0.6), mail).category == "complaints"


def test_below_the_confidence_threshold_it_is_human_review():
    outcome = _decide(_row(questions=0.4, other=0.35), confidence_threshold=0.5)
    assert outcome.category == "human_review"
    assert outcome.confidence == 0.4


def test_the_model_may_answer_other_itself():
    assert _decide(_row(other=0.7, questions=0.3)).category == "other"


def test_nothing_to_read_is_human_review_unless_a_rule_says_spam():
    assert _decide(_row(other=1.0), words=False).category == "human_review"
    mail = Mail(subject="", body="", provider_verdicts={"spam": "fail"})
    assert _decide(_row(other=1.0), mail, words=False).category == "spam"

import numpy as np

from planetmail.inbound import InboundEmail
from processor.mail import Mail, from_inbound
from processor.signals import CONTENT_FEATURES, content_features, signals_of


def test_links_and_links_to_bare_ip_addresses_are_counted():
    mail = Mail(subject="", body="see http://203.0.113.9/x and https://example.org/a, http://example.org/b")
    signals = signals_of(mail)
    assert (signals.links, signals.ip_links) == (3, 1)


def test_content_features_are_bounded_and_named():
    mails = [Mail(subject="FREE MONEY FOR YOU", body="", html='<img src="a"><a href="http://1.2.3.4/">x</a>'),
             Mail(subject="hello", body="plain words")]
    rows = content_features(mails)
    assert rows.shape == (2, len(CONTENT_FEATURES))
    assert np.all((rows >= 0) & (rows <= 1))
    assert rows[1].tolist() == [0.0] * len(CONTENT_FEATURES)
    named = dict(zip(CONTENT_FEATURES, rows[0], strict=True))
    assert named["html_only"] > 0 and named["shouting_subject"] > 0 and named["ip_links"] > 0


def test_an_inbound_record_gives_its_headers_auth_and_optional_provider_verdicts():
    email = InboundEmail(id="01X", received_at="2026-12-05T10:00:00Z", source="api",
                         **{"from": {"address": "a@example.org"}}, subject="s", text="t",
                         headers={"list-id": "<l.example.org>"},
                         auth={"spf": "fail", "dkim": "fail", "dmarc": "fail"})
    mail = from_inbound(email)
    signals = signals_of(mail)
    assert signals.bulk == ("list-id",)
    assert signals.forged
    assert signals.provider_spam is None  # the record carries no provider verdicts (optional)

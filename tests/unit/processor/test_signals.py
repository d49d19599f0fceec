from planetmail.inbound import InboundEmail
from processor.mail import Mail, from_inbound
from processor.signals import signals_of


def test_links_and_links_to_bare_ip_addresses_are_counted():
    mail = Mail(subject="", body="see http://203.0.113.9/x and https://example.org/a, http://example.org/b")
    signals = signals_of(mail)
    assert (signals.links, signals.ip_links) == (3, 1)


def test_html_only_mail_with_images_is_reported():
    html = '<img src="a"><a href="http://1.2.3.4/">x</a><IMG src=b>'
    signals = signals_of(Mail(subject="x", body="", html=html))
    assert (signals.html_only, signals.images, signals.ip_links) == (True, 2, 1)
    assert not signals_of(Mail(subject="x", body="text", html="<p>text</p>")).html_only


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

import hashlib
import hmac
import itertools
import json
from email import message_from_bytes, policy

from planetmail_local.bench.traffic import CorpusMessage, TrafficMix, WebhookCredentials

CORPUS = [
    CorpusMessage("en", "complaints", "Paper missing", "No paper on my porch again."),
    CorpusMessage("es", "spam", "Gane dinero", "Haga clic aqui para ganar."),
]
CREDENTIALS = WebhookCredentials("tok", {"sendgrid": ("sg", "pw1"), "postmark": ("pm", "pw2")}, "mgkey")


def _requests(count: int, **options):
    return list(itertools.islice(TrafficMix(CORPUS, CREDENTIALS, **options).requests(), count))


def test_every_provider_appears_and_senders_are_unique():
    requests = _requests(40)
    assert {r.provider for r in requests} == {"api", "postmark", "sendgrid", "mailgun"}
    senders = [r.form["from"] for r in requests if r.form]
    assert senders and len(senders) == len(set(senders))


def test_sendgrid_posts_multipart_form_data_with_every_field():
    sendgrid = next(r for r in _requests(8) if r.provider == "sendgrid")
    assert sendgrid.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert sendgrid.content is not None
    for field in (b'name="headers"', b'name="envelope"', b'name="text"', b"Paper missing"):
        assert field in sendgrid.content


def test_mailgun_signature_verifies_with_the_signing_key():
    mailgun = next(r for r in _requests(8) if r.provider == "mailgun")
    assert mailgun.form is not None
    expected = hmac.new(b"mgkey", (mailgun.form["timestamp"] + mailgun.form["token"]).encode(),
                        hashlib.sha256).hexdigest()
    assert mailgun.form["signature"] == expected


def test_spam_and_auto_replies_expect_no_acknowledgement():
    requests = _requests(200, auto_reply_share=0.5)
    for request in requests:
        if request.provider == "api":
            assert request.content is not None
            message = message_from_bytes(request.content, policy=policy.default)
            auto = message["Auto-Submitted"] is not None
            spam = message["Subject"] == "Gane dinero"
            assert request.expects_ack == (not auto and not spam)
    assert any(r.expects_ack for r in requests) and any(not r.expects_ack for r in requests)


def test_postmark_body_carries_auto_submitted_header():
    postmark = [r for r in _requests(400, auto_reply_share=1.0) if r.provider == "postmark"]
    assert postmark and all(not r.expects_ack for r in postmark)
    headers = {h["Name"]: h["Value"] for h in postmark[0].json_body["Headers"]}
    assert headers["Auto-Submitted"] == "auto-replied"
    assert json.dumps(postmark[0].json_body)


def test_genuine_traffic_is_from_an_authenticated_domain_as_the_reply_policy_wants():
    from collector.mime import parse
    from planetmail.sender_auth import authenticated_domain

    api = next(r for r in _requests(8) if r.provider == "api")
    assert api.content is not None
    assert authenticated_domain(parse(api.content, "api").email) == "subscribers.example"
    postmark = next(r for r in _requests(8) if r.provider == "postmark")
    assert any(h["Name"] == "Authentication-Results" for h in postmark.json_body["Headers"])


def test_the_held_out_mark_is_the_training_splits_and_travels_with_each_request():
    from pathlib import Path

    from planetmail_local.bench.traffic import load_corpus
    from retrain.examples import load_corpus as load_examples
    from retrain.examples import split

    data = Path(__file__).parents[3] / "data"
    corpus = load_corpus(data)
    held_out = split(load_examples(data / "corpus"))[1]

    marked = [m for m in corpus if m.held_out]
    assert 0 < len(marked) < len(corpus)
    expected = sorted((e.mail.subject, e.category) for e in held_out)
    assert sorted((m.subject, m.category) for m in marked) == expected
    requests = list(itertools.islice(TrafficMix(marked[:1] + corpus[:1], CREDENTIALS).requests(), 20))
    assert {r.held_out for r in requests} == {True, corpus[0].held_out}

"""GTUBE as each provider delivers it, already flagged by the provider: the collector's adapter makes
the record, and whatever the model says, it ends ``suppressed`` (provider_spam) and is never answered.

The webhooks are the benchmark's own provider-native requests with the provider's spam verdict added
where that provider writes it (Mailgun X-Mailgun-Sflag, SendGrid spam_score, Postmark X-Spam-Status,
SES receipt spamVerdict on the real SES fixture).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_acknowledgement import CLAIMED, FakeLedger, FakeTransport, responder

from collector.forms import Form
from collector.providers import mailgun, postmark, sendgrid, ses
from planetmail.ack import AckRequest
from planetmail.classification import Classification
from planetmail.inbound import InboundEmail
from planetmail_local.bench.traffic import CorpusMessage, InboundRequest, TrafficMix, WebhookCredentials
from responder.acknowledgement import Outcome

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SES_FIXTURE = Path(__file__).parents[2] / "fixtures" / "providers" / "ses" / "inbound_email.json"
MIX = TrafficMix([CorpusMessage("en", "questions", "Test spam mail (GTUBE)", GTUBE)],
                 WebhookCredentials("t", {"sendgrid": ("a", "b"), "postmark": ("c", "d")}, "k"))


def _request(provider: str) -> InboundRequest:
    return next(r for r in itertools.islice(MIX.requests(), 8) if r.provider == provider)


def mailgun_gtube() -> InboundEmail:
    form = dict(_request("mailgun").form or {})
    headers = [*json.loads(form["message-headers"]), ["X-Mailgun-Sflag", "Yes"], ["X-Mailgun-Sscore", "999"]]
    form["message-headers"] = json.dumps(headers)
    return mailgun.convert(Form({k: v.encode() for k, v in form.items()}, {})).email


def sendgrid_gtube() -> InboundEmail:
    fields = {"headers": "From: x@subscribers.example\nSubject: GTUBE\n", "from": "x@subscribers.example",
              "to": "letters@dailyplanet.example", "subject": "GTUBE", "text": GTUBE,
              "envelope": json.dumps({"from": "x@subscribers.example", "to": ["letters@planet.example"]}),
              "SPF": "pass", "spam_score": "997",
              "spam_report": "Spam detection software ... score=997 required=5.0"}
    return sendgrid.convert(Form({k: v.encode() for k, v in fields.items()}, {})).email


def postmark_gtube() -> InboundEmail:
    body = dict(_request("postmark").json_body or {})
    body["Headers"] = [*body["Headers"], {"Name": "X-Spam-Status", "Value": "Yes"},
                       {"Name": "X-Spam-Score", "Value": "1000"}]
    return postmark.convert(json.dumps(body).encode()).email


def ses_gtube() -> InboundEmail:
    envelope = json.loads(SES_FIXTURE.read_text(encoding="utf-8"))
    message: dict[str, Any] = json.loads(envelope["Message"])
    message["receipt"]["spamVerdict"] = {"status": "FAIL"}
    notification = ses.parse(json.dumps(message))
    assert notification is not None
    return ses.convert(notification, lambda bucket, key: b"").email


def _ack(email: InboundEmail, category: str) -> AckRequest:
    classification = Classification(category=category, confidence=0.9, language="en", classified_at=NOW)
    return AckRequest(id=email.id, email=email, classification=classification, requested_at=NOW)


@pytest.mark.parametrize("capture", [mailgun_gtube, sendgrid_gtube, postmark_gtube, ses_gtube])
@pytest.mark.parametrize("category", ["questions", "spam"])
def test_provider_flagged_gtube_is_suppressed_never_acknowledged(capture: Any, category: str) -> None:
    email = capture()
    assert email.provider_verdicts is not None and email.provider_verdicts.spam == "fail"
    ledger, transport = FakeLedger(CLAIMED), FakeTransport()
    outcome = responder(ledger, transport).acknowledge(_ack(email, category))
    assert outcome is Outcome.SUPPRESSED and transport.sent == []
    assert [(e.state, e.detail["reason"]) for e in ledger.settled] == [("suppressed", "provider_spam")]

"""Realistic inbound traffic for the benchmark: provider-native webhook requests built from the corpus.

Each request is what the provider itself would POST (Postmark JSON, SendGrid Inbound Parse form,
Mailgun route form with a valid signature, or a raw RFC 822 message to ``/v1/emails``), so the
benchmark exercises the same adapters real traffic does.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from planetmail.inbound import utcnow
from planetmail_local.training.corpus_split import held_out_line

PROVIDERS = ("api", "postmark", "sendgrid", "mailgun")
SENDER_DOMAIN = "subscribers.example"
AUTHENTICATION_RESULTS = (f"mx.dailyplanet.example; spf=pass smtp.mailfrom={SENDER_DOMAIN};"
                          f" dkim=pass header.d={SENDER_DOMAIN}; dmarc=pass header.from={SENDER_DOMAIN}")
"""What the receiving provider writes for genuine subscriber mail: the reply policy answers only an
authenticated From domain, so traffic without it would measure suppressions, not acknowledgements."""


@dataclasses.dataclass(frozen=True)
class CorpusMessage:
    language: str
    category: str
    subject: str
    body: str
    held_out: bool = False
    """From the corpus's held-out fifth (``training.corpus_split.held_out_line``): the model never trained on
    its group, so spam from it measures the model's generalisation, not the pipeline."""


@dataclasses.dataclass(frozen=True)
class WebhookCredentials:
    api_token: str
    basic: dict[str, tuple[str, str]]
    """provider → (user, password) for Basic-auth providers."""
    mailgun_signing_key: str


@dataclasses.dataclass(frozen=True)
class InboundRequest:
    """One HTTP request to the collector, plus what the benchmark expects to happen to it."""

    provider: str
    path: str
    headers: dict[str, str]
    content: bytes | None = None
    json_body: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    kind: str = "genuine"
    """genuine, auto_reply (the reply policy must suppress it) or spam (the model should catch it)."""
    held_out: bool = False
    """Built from a message of the corpus's held-out fifth (see ``CorpusMessage.held_out``)."""

    @property
    def expects_ack(self) -> bool:
        return self.kind == "genuine"


def load_corpus(data_dir: Path) -> list[CorpusMessage]:
    messages = []
    for path in sorted((data_dir / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                messages.append(CorpusMessage(row["language"], row["category"], row["subject"], row["body"],
                                              held_out_line(row)))
    return messages


@dataclasses.dataclass
class TrafficMix:
    corpus: Sequence[CorpusMessage]
    credentials: WebhookCredentials
    auto_reply_share: float = 0.03
    seed: int = 7
    run_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:6])

    def requests(self) -> Iterator[InboundRequest]:
        """An endless, reproducible stream of requests; every sender address is unique."""
        rng = random.Random(self.seed)
        for number in range(1_000_000_000):
            message = rng.choice(self.corpus)
            auto_reply = rng.random() < self.auto_reply_share
            sender = f"reader{number}.{self.run_id}@{SENDER_DOMAIN}"
            provider = PROVIDERS[number % len(PROVIDERS)]
            yield self._build(provider, message, sender, auto_reply)

    def _build(self, provider: str, message: CorpusMessage, sender: str, auto_reply: bool) -> InboundRequest:
        extra_headers = {"Authentication-Results": AUTHENTICATION_RESULTS}
        if auto_reply:
            extra_headers["Auto-Submitted"] = "auto-replied"
        kind = "auto_reply" if auto_reply else "spam" if message.category == "spam" else "genuine"
        builder = {
            "api": self._api,
            "postmark": self._postmark,
            "sendgrid": self._sendgrid,
            "mailgun": self._mailgun,
        }[provider]
        request = builder(message, sender, extra_headers)
        return dataclasses.replace(request, kind=kind, held_out=message.held_out)

    def _api(self, message: CorpusMessage, sender: str, extra: dict[str, str]) -> InboundRequest:
        raw = rfc822(message, sender, extra)
        headers = {"Authorization": f"Bearer {self.credentials.api_token}", "Content-Type": "message/rfc822"}
        return InboundRequest("api", "/v1/emails", headers, content=raw)

    def _postmark(self, message: CorpusMessage, sender: str, extra: dict[str, str]) -> InboundRequest:
        body = {
            "FromName": "", "From": sender, "FromFull": {"Email": sender, "Name": "", "MailboxHash": ""},
            "To": "letters@dailyplanet.example",
            "ToFull": [{"Email": "letters@dailyplanet.example", "Name": "", "MailboxHash": ""}],
            "Subject": message.subject, "MessageID": str(uuid.uuid4()),
            "Date": format_datetime(utcnow()), "TextBody": message.body, "HtmlBody": "",
            "Headers": [{"Name": "Message-ID", "Value": make_msgid(domain="subscribers.example")}]
            + [{"Name": k, "Value": v} for k, v in extra.items()],
            "Attachments": [],
        }
        return InboundRequest("postmark", "/webhooks/postmark", self._basic("postmark"), json_body=body)

    def _sendgrid(self, message: CorpusMessage, sender: str, extra: dict[str, str]) -> InboundRequest:
        header_block = "".join(f"{k}: {v}\n" for k, v in {
            "From": sender, "To": "letters@dailyplanet.example", "Subject": message.subject,
            "Message-ID": make_msgid(domain="subscribers.example"), **extra,
        }.items())
        form = {
            "headers": header_block, "from": sender, "to": "letters@dailyplanet.example",
            "subject": message.subject, "text": message.body,
            "envelope": json.dumps({"to": ["letters@dailyplanet.example"], "from": sender}),
            "charsets": json.dumps({"subject": "UTF-8", "from": "UTF-8", "text": "UTF-8", "to": "UTF-8"}),
            "SPF": "pass", "dkim": "{@subscribers.example : pass}",
        }
        content_type, body = multipart_form(form)
        headers = {**self._basic("sendgrid"), "Content-Type": content_type}
        return InboundRequest("sendgrid", "/webhooks/sendgrid", headers, content=body)

    def _mailgun(self, message: CorpusMessage, sender: str, extra: dict[str, str]) -> InboundRequest:
        timestamp, token = str(int(time.time())), uuid.uuid4().hex
        signature = hmac.new(self.credentials.mailgun_signing_key.encode(), (timestamp + token).encode(),
                             hashlib.sha256).hexdigest()
        message_headers = [["From", sender], ["To", "letters@dailyplanet.example"],
                           ["Subject", message.subject],
                           ["Message-Id", make_msgid(domain="subscribers.example")],
                           *map(list, extra.items())]
        form = {
            "sender": sender, "from": sender, "recipient": "letters@dailyplanet.example",
            "subject": message.subject, "body-plain": message.body, "stripped-text": message.body,
            "message-headers": json.dumps(message_headers),
            "timestamp": timestamp, "token": token, "signature": signature,
        }
        return InboundRequest("mailgun", "/webhooks/mailgun", {}, form=form)

    def _basic(self, provider: str) -> dict[str, str]:
        user, password = self.credentials.basic[provider]
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


def rfc822(message: CorpusMessage, sender: str, extra_headers: dict[str, str]) -> bytes:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = "letters@dailyplanet.example"
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain="subscribers.example")
    for name, value in extra_headers.items():
        email[name] = value
    email.set_content(message.body)
    return bytes(email)


def multipart_form(fields: dict[str, str]) -> tuple[str, bytes]:
    """A multipart/form-data body as SendGrid's Inbound Parse posts it (text fields only)."""
    boundary = f"planetmail-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return f"multipart/form-data; boundary={boundary}", body.encode("utf-8")

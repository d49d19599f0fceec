"""Hostile mail for the collector: the cases of issue 15 built in code (too large to keep as files),
the hand-made corpus in ``tests/fixtures/hostile``, random mutations of both, and each one wrapped
in every provider's format, so the same message reaches the collector as the API, SendGrid,
Mailgun, Postmark and SES would deliver it.

Used by the in-process property tests and by ``planetmail fuzz-intake`` (through the real gateway).
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
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from planetmail_local.stack.config import REPO_ROOT

CORPUS_DIR = REPO_ROOT / "tests" / "fixtures" / "hostile"
HEAD = (b"From: Lois Lane <lois@example.org>\r\nTo: letters@dailyplanet.example\r\n"
        b"Subject: hostile\r\nMessage-ID: <%s@hostile.example>\r\n")


def _head(name: str) -> bytes:
    return HEAD % name.encode()


def _nested(depth: int) -> bytes:
    opening = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
                       for n in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % n for n in reversed(range(depth)))
    return _head("nested") + opening + b"Content-Type: text/plain\r\n\r\ndeep" + closing


def _attachments(count: int) -> bytes:
    parts = b"".join(b"--a\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
                     b"filename=f%d\r\n\r\nx\r\n" % n for n in range(count))
    return _head("attachments") + b"Content-Type: multipart/mixed; boundary=a\r\n\r\n" + parts + b"--a--\r\n"


def _html(body: bytes) -> bytes:
    return _head("html") + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + body


GENERATED: dict[str, Callable[[], bytes]] = {
    "from_5000_parentheses": lambda: b"From: " + b"(" * 5000 + b"a@example.org\r\nSubject: x\r\n\r\nbody\r\n",
    "mime_nested_1000_deep": lambda: _nested(1000),
    "html_cdata_assertion": lambda: _html(b"<![<![x"),
    "html_20000_unclosed_tags": lambda: _html(b"<a " * 20000),
    "content_type_4000_params": lambda: _head("params") + b"Content-Type: text/plain"
    + b"".join(b"; p%d=v" % n for n in range(4000)) + b"\r\n\r\nbody\r\n",
    "from_20000_encoded_words": lambda: b"From: " + b"=?utf-8?q?a?= " * 20000
    + b"<a@example.org>\r\nSubject: x\r\n\r\nbody\r\n",
    "attachments_20000": lambda: _attachments(20000),
    "control_characters_256k": lambda: _head("control") + b"\r\n" + b"\x01" * 262144,
    "subject_100k": lambda: b"From: a@example.org\r\nSubject: " + b"word " * 20000 + b"\r\n\r\nbody\r\n",
    "headers_5000": lambda: _head("headers") + b"".join(b"X-H%d: v\r\n" % n for n in range(5000)) + b"\r\nx",
    "to_10000_addresses": lambda: b"From: a@example.org\r\nTo: "
    + b", ".join(b"r%d@example.org" % n for n in range(10000)) + b"\r\n\r\nbody\r\n",
    "to_1000_addresses": lambda: b"From: a@example.org\r\nTo: "
    + b",".join(b"r%d@x.org" % n for n in range(1000)) + b"\r\n\r\nbody\r\n",
    "list_headers_2000": lambda: _head("list") + b"".join(b"List-X%d: " % n + b"v" * 1500 + b"\r\n"
                                                          for n in range(200)) + b"\r\nbody\r\n",
    "one_line_1mb": lambda: _head("line") + b"\r\n" + b"z" * (1024 * 1024),
    "message_rfc822_nested_200": lambda: _head("rfc822")
    + b"Content-Type: message/rfc822\r\n\r\n" * 200 + b"From: x@y.z\r\n\r\nend\r\n",
    "encoded_filename_words": lambda: _head("fname") + b"Content-Type: multipart/mixed; boundary=f\r\n\r\n"
    b"--f\r\nContent-Disposition: attachment; filename=\"" + b"=?utf-8?q?a?=" * 3000
    + b"\"\r\n\r\nx\r\n--f--\r\n",
}


def corpus(directory: Path = CORPUS_DIR) -> dict[str, bytes]:
    """The hand-made hostile messages, by file name."""
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.eml"))}


def all_messages(directory: Path = CORPUS_DIR) -> dict[str, bytes]:
    return {**corpus(directory), **{name: build() for name, build in GENERATED.items()}}


def mutate(raw: bytes, rng: random.Random) -> bytes:
    """A random small corruption: bytes flipped, a slice repeated, cut or a NUL/CR/8-bit byte spliced in."""
    data = bytearray(raw or b"From: a@example.org\r\n\r\nx")
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(data) or 1)
        choice = rng.randrange(5)
        if choice == 0 and data:
            data[where] = rng.randrange(256)
        elif choice == 1:
            piece = bytes(data[where:where + rng.randint(1, 40)])
            data[where:where] = piece * rng.randint(1, 50)
        elif choice == 2:
            del data[where:where + rng.randint(1, 200)]
        else:
            data[where:where] = rng.choice([b"\x00", b"\r", b"\n\n", b"\xff\xfe", b"=?", b"(", b"--", b"<!"])
    return bytes(data)


@dataclasses.dataclass(frozen=True)
class Credentials:
    api_token: str
    sendgrid: str
    postmark: str
    mailgun_key: str
    sns_key: object | None = None
    """An RSA private key whose certificate the collector trusts (``sns_cert_url``), for SES cases."""
    sns_cert_url: str = ""
    sns_topic: str = ""


@dataclasses.dataclass(frozen=True)
class HttpCase:
    name: str
    route: str
    path: str
    headers: dict[str, str]
    body: bytes


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def _multipart(fields: dict[str, bytes], boundary: str = "hostileBoundary7") -> tuple[str, bytes]:
    parts = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode()
                     + value + b"\r\n" for name, value in fields.items())
    return f"multipart/form-data; boundary={boundary}", parts + f"--{boundary}--\r\n".encode()


def api_case(name: str, raw: bytes, creds: Credentials) -> HttpCase:
    headers = {"Authorization": f"Bearer {creds.api_token}", "Content-Type": "message/rfc822"}
    return HttpCase(name, "api", "/v1/emails", headers, raw)


def sendgrid_case(name: str, raw: bytes, creds: Credentials) -> HttpCase:
    content_type, body = _multipart({"email": raw, "to": b"letters@dailyplanet.example",
                                     "envelope": b'{"to": ["letters@dailyplanet.example"], "from": "a@b.c"}',
                                     "spam_score": b"0.1"})
    return HttpCase(name, "sendgrid", "/webhooks/sendgrid",
                    {"Authorization": _basic(creds.sendgrid), "Content-Type": content_type}, body)


def mailgun_case(name: str, raw: bytes, creds: Credentials) -> HttpCase:
    stamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(creds.mailgun_key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    content_type, body = _multipart({"body-mime": raw, "recipient": b"letters@dailyplanet.example",
                                     "timestamp": stamp.encode(), "token": token.encode(),
                                     "signature": signature.encode()})
    return HttpCase(name, "mailgun", "/webhooks/mailgun", {"Content-Type": content_type}, body)


def postmark_case(name: str, raw: bytes, creds: Credentials) -> HttpCase:
    text = raw.decode("utf-8", "surrogateescape").encode("utf-8", "replace").decode("utf-8")
    document = {"MessageID": str(uuid.uuid4()), "FromFull": {"Email": "lois@example.org", "Name": "Lois"},
                "Subject": text[:200], "TextBody": text, "HtmlBody": text, "RawEmail": text,
                "Headers": [{"Name": "X-Spam-Status", "Value": "No"},
                            {"Name": "Subject", "Value": text[:500]}]}
    return HttpCase(name, "postmark", "/webhooks/postmark",
                    {"Authorization": _basic(creds.postmark), "Content-Type": "application/json"},
                    json.dumps(document).encode())


NOTIFICATION_SIGNED_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")


def notification_string_to_sign(message: dict[str, str]) -> bytes:
    """SNS's documented string-to-sign of a Notification, written here apart from the collector's, so a
    mistake in either shows as a refused signature instead of two copies agreeing."""
    return "".join(f"{key}\n{message[key]}\n" for key in NOTIFICATION_SIGNED_KEYS if key in message).encode()


def ses_case(name: str, raw: bytes, creds: Credentials) -> HttpCase:
    """An SES receipt (SNS action, base64 content) in a signed SNS notification (SignatureVersion 2)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    notification = {"notificationType": "Received",
                    "mail": {"messageId": uuid.uuid4().hex, "source": "lois@example.org",
                             "destination": ["letters@dailyplanet.example"]},
                    "receipt": {"action": {"type": "SNS", "encoding": "BASE64", "topicArn": creds.sns_topic},
                                "spamVerdict": {"status": "PASS"}, "virusVerdict": {"status": "PASS"}},
                    "content": base64.b64encode(raw).decode()}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    message = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": creds.sns_topic,
               "Message": json.dumps(notification), "Timestamp": now, "SignatureVersion": "2",
               "SigningCertURL": creds.sns_cert_url}
    key = creds.sns_key
    assert isinstance(key, rsa.RSAPrivateKey)
    to_sign = notification_string_to_sign(message)
    message["Signature"] = base64.b64encode(key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())).decode()
    return HttpCase(name, "ses", "/webhooks/ses", {"Content-Type": "text/plain; charset=UTF-8"},
                    json.dumps(message).encode())


WRAPPERS: dict[str, Callable[[str, bytes, Credentials], HttpCase]] = {
    "api": api_case, "sendgrid": sendgrid_case, "mailgun": mailgun_case, "postmark": postmark_case,
    "ses": ses_case,
}


def form_attacks(creds: Credentials) -> dict[str, HttpCase]:
    """Attacks on the envelope rather than the message: forms, signatures, JSON."""
    parts = {f"f{n}": b"x" for n in range(50000)}
    many_type, many_body = _multipart(parts)
    bad_sig_type, bad_sig_body = _multipart({"timestamp": b"1", "token": b"t",
                                             "signature": "é".encode() * 32, "body-plain": b"x"})
    postmark = {"Authorization": _basic(creds.postmark), "Content-Type": "application/json"}
    api = {"Authorization": f"Bearer {creds.api_token}", "Content-Type": "application/json"}
    attacks = [
        HttpCase("mailgun_50000_unsigned_parts", "mailgun", "/webhooks/mailgun",
                 {"Content-Type": many_type}, many_body),
        HttpCase("mailgun_non_ascii_signature", "mailgun", "/webhooks/mailgun",
                 {"Content-Type": bad_sig_type}, bad_sig_body),
        HttpCase("postmark_json_nested_100000", "postmark", "/webhooks/postmark", postmark,
                 b"[" * 100000 + b"]" * 100000),
        HttpCase("api_json_not_utf8", "api", "/v1/emails", api,
                 b'{"from": "a@example.org", "subject": "caf\xe9"}'),
        HttpCase("ses_json_nested", "ses", "/webhooks/ses", {"Content-Type": "text/plain"},
                 b"{\"a\":" * 50000 + b"1" + b"}" * 50000),
    ]
    return {case.name: case for case in attacks}


def cases(creds: Credentials, count: int, seed: int = 15, routes: tuple[str, ...] = tuple(WRAPPERS),
          directory: Path = CORPUS_DIR) -> Iterator[HttpCase]:
    """``count`` requests: every envelope attack and every hostile message through every route first,
    then random mutations of them."""
    rng = random.Random(seed)
    messages = all_messages(directory)
    wrapped = (WRAPPERS[route](f"{route}:{name}", raw, creds)
               for name, raw in messages.items() for route in routes)
    fixed = [*form_attacks(creds).values(), *wrapped]
    for n in range(count):
        if n < len(fixed):
            yield fixed[n]
        else:
            name, raw = rng.choice(list(messages.items()))
            route = rng.choice(routes)
            yield WRAPPERS[route](f"{route}:mutated:{name}", mutate(raw, rng), creds)


SNS_CERT_NAME = "SimpleNotificationService-planetmail-fuzz.pem"


def sns_signer(trust_dir: Path) -> tuple[object, str]:
    """A private key and the SigningCertURL of its self-signed certificate, written into the
    collector's trust store ``trust_dir`` (never fetched: the URL only names the file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.us-east-1.amazonaws.com")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now.replace(year=now.year + 1)).sign(key, hashes.SHA256()))
    trust_dir.mkdir(parents=True, exist_ok=True)
    (trust_dir / SNS_CERT_NAME).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, f"https://sns.us-east-1.amazonaws.com/{SNS_CERT_NAME}"

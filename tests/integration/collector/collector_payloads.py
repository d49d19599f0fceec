"""Provider payloads for the collector's tests: the shared fixtures, SNS signing with the fixture key,
Mailgun's HMAC, and a stand-in for the internet."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from collector_stack import API_TOKEN, CREDENTIALS
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from collector import sns

__all__ = [
    "API_TOKEN",
    "CREDENTIALS",
    "FIXTURES",
    "SNS_CERT_NAME",
    "RecordingFetcher",
    "fixture_bytes",
    "mailgun_form",
    "resigned_fixture",
    "sign_sns",
    "sns_timestamp",
]

FIXTURES = Path(__file__).parents[2] / "fixtures" / "providers"
SNS_CERT_NAME = "SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem"


@dataclasses.dataclass
class RecordingFetcher:
    """Stands in for the internet: records every URL and answers 200 with an empty body."""

    urls: list[str] = dataclasses.field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return b""


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def sign_sns(message: dict[str, str], version: str = "1", fresh: bool = True) -> dict[str, str]:
    """``message`` signed with the fixture private key, as SNS would (SignatureVersion 1 or 2); with
    ``fresh`` its Timestamp is now (the collector refuses messages over an hour old)."""
    key = serialization.load_pem_private_key(fixture_bytes("ses/privatekey.pem"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signed = {**message, "SignatureVersion": version}
    if fresh:
        signed["Timestamp"] = sns_timestamp(time.time())
    to_sign = sns.string_to_sign(
        sns.SnsMessage.model_validate(signed | {"Signature": "", "SigningCertURL": ""})
    )
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signed["Signature"] = base64.b64encode(key.sign(to_sign, padding.PKCS1v15(), algorithm)).decode()
    return signed


def sns_timestamp(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def resigned_fixture(relative: str) -> bytes:
    """An SNS fixture signed again with a current Timestamp (same SignatureVersion)."""
    document = json.loads(fixture_bytes(relative))
    return json.dumps(sign_sns(document, document.get("SignatureVersion", "1"))).encode()


def mailgun_form(
    fields: dict[str, str],
    key: str = CREDENTIALS["mailgun"],
    timestamp: int | None = None,
    token: str | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or uuid.uuid4().hex
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": stamp, "token": token, "signature": signature}

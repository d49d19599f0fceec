"""Amazon SNS HTTP(S) deliveries: topic allow-list, age limit, signature verification
(SignatureVersion 1 = SHA1, 2 = SHA256) and subscription confirmation. Only SignatureVersion 2 is
accepted unless ``settings.sns_min_signature_version`` (template parameter SesMinSignatureVersion) is 1,
for an old topic still on SNS's SHA1 default: set the topic's SignatureVersion attribute to 2 instead.

The signing certificate comes from a local trust store (``settings.sns_cert_dir``, files named like
the certificate URL's last path segment) or is fetched, but only over HTTPS from
``sns.<region>.amazonaws.com``; the SubscribeURL is held to the same allow-list.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import BaseModel, ConfigDict, Field

from collector.documents import load_object, validate
from collector.problems import BadRequest, Forbidden, Unauthorized
from collector.runtime import Fetcher

ALLOWED_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"

MAX_AGE_SECONDS = 3600
MAX_CACHED_CERTIFICATES = 16

_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}


class SnsMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: str = Field(alias="Type")
    message_id: str = Field(alias="MessageId")
    topic_arn: str = Field(alias="TopicArn")
    message: str = Field(alias="Message")
    timestamp: str = Field(alias="Timestamp")
    signature_version: str = Field("", alias="SignatureVersion")
    signature: str = Field("", alias="Signature")
    signing_cert_url: str = Field("", alias="SigningCertURL")
    """Optional here so that an unsigned message is refused as unauthenticated (401), not malformed."""
    subject: str | None = Field(None, alias="Subject")
    token: str | None = Field(None, alias="Token")
    subscribe_url: str | None = Field(None, alias="SubscribeURL")


class SignatureTooWeak(Forbidden):
    """A SignatureVersion below the configured minimum: refused by policy, whatever the signature."""

    title = "SNS signature version below the configured minimum"


def parse(body: bytes) -> SnsMessage:
    return validate(SnsMessage, load_object(body, "the SNS message"), "the SNS message")


def string_to_sign(message: SnsMessage) -> bytes:
    keys = _NOTIFICATION_KEYS if message.type == NOTIFICATION else _SUBSCRIPTION_KEYS
    values = message.model_dump(by_alias=True)
    return "".join(f"{key}\n{values[key]}\n" for key in keys if values.get(key) is not None).encode()


def require_allowed_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not ALLOWED_HOST.match(parts.hostname or ""):
        raise Unauthorized(f"the {what} {url!r} is not on an allowed SNS host (https://sns.<region>.amazonaws.com)")


def require_fresh(message: SnsMessage, now: float) -> None:
    """Refuse a message whose Timestamp is more than MAX_AGE_SECONDS old (or as far in the future):
    a captured notification cannot be replayed later, and a forged one cannot claim an old date."""
    try:
        sent = datetime.fromisoformat(message.timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"the SNS Timestamp {message.timestamp[:40]!r} is not an ISO 8601 time") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    age = now - sent.timestamp()
    if abs(age) > MAX_AGE_SECONDS:
        raise Unauthorized(f"the SNS message is {int(age)} s old; only {MAX_AGE_SECONDS} s either way "
                           "of now are accepted (replayed or forged)")


def require_topic(message: SnsMessage, allowed_arns: str) -> None:
    """Only the configured topics: an empty allow-list refuses everything, since any AWS account can
    point its own topic at this URL and its notifications would otherwise be believed."""
    allowed = [arn.strip() for arn in allowed_arns.split(",") if arn.strip()]
    if not allowed:
        raise Unauthorized("the SES webhook is disabled: no SNS topic is configured "
                           "(PLANETMAIL_SNS_TOPIC_ARNS, template parameter SesTopicArns)")
    if message.topic_arn not in allowed:
        raise Unauthorized(f"SNS topic {message.topic_arn[:200]!r} is not one this collector subscribes to")


def require_signature_version(message: SnsMessage, minimum: int) -> None:
    """Refuse a weaker signature than configured (before any certificate is fetched): SHA1 (v1) is
    accepted only where an operator allowed it for a topic not yet switched to SignatureVersion 2."""
    _algorithm(message)
    version = int(message.signature_version)
    if version < minimum:
        raise SignatureTooWeak(
            f"SNS SignatureVersion {version} (SHA1) is below the minimum {minimum}: set the topic's "
            "SignatureVersion attribute to 2, or allow 1 with SesMinSignatureVersion=1 "
            "(PLANETMAIL_SNS_MIN_SIGNATURE_VERSION)")


def _algorithm(message: SnsMessage) -> type[hashes.HashAlgorithm]:
    algorithm = _HASHES.get(message.signature_version)
    if algorithm is None:
        version = message.signature_version[:20]
        raise Unauthorized(f"SNS SignatureVersion {version!r} is not supported (1 or 2)")
    return algorithm


class SigningCertificates:
    """Public keys by certificate URL: trust store first, then the allow-listed host; cached, at most
    MAX_CACHED_CERTIFICATES of them (least recently used dropped), however many URLs callers name."""

    def __init__(self, trust_dir: str | None, fetch: Fetcher) -> None:
        self._trust_dir = Path(trust_dir) if trust_dir else None
        self._fetch = fetch
        self._keys: OrderedDict[str, rsa.RSAPublicKey] = OrderedDict()

    def public_key(self, url: str) -> rsa.RSAPublicKey:
        require_allowed_url(url, "SigningCertURL")
        if url in self._keys:
            self._keys.move_to_end(url)
            return self._keys[url]
        key = _rsa_key(self._pem(url), url)
        self._keys[url] = key
        while len(self._keys) > MAX_CACHED_CERTIFICATES:
            self._keys.popitem(last=False)
        return key

    @property
    def cached(self) -> int:
        return len(self._keys)

    def _pem(self, url: str) -> bytes:
        name = Path(urlsplit(url).path).name
        if not name.endswith(".pem"):
            raise Unauthorized(f"the SigningCertURL {url!r} does not name a .pem certificate")
        if self._trust_dir is not None and (self._trust_dir / name).is_file():
            return (self._trust_dir / name).read_bytes()
        return self._fetch(url)


def verify(message: SnsMessage, certificates: SigningCertificates) -> None:
    unsigned = [alias for alias, value in (("Signature", message.signature),
                                           ("SigningCertURL", message.signing_cert_url)) if not value]
    if unsigned:
        raise Unauthorized(f"the SNS message is not signed (no {' or '.join(unsigned)})")
    algorithm = _algorithm(message)
    try:
        signature = base64.b64decode(message.signature)
    except (binascii.Error, ValueError):
        raise Unauthorized("the SNS Signature is not base64") from None
    key = certificates.public_key(message.signing_cert_url)
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise Unauthorized("the SNS signature does not verify against the signing certificate") from None


def confirm_subscription(message: SnsMessage, fetch: Fetcher) -> None:
    if not message.subscribe_url:
        raise BadRequest("the SubscriptionConfirmation has no SubscribeURL")
    require_allowed_url(message.subscribe_url, "SubscribeURL")
    fetch(message.subscribe_url)


def _rsa_key(pem: bytes, url: str) -> rsa.RSAPublicKey:
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        raise Unauthorized(f"the signing certificate at {url!r} is not a PEM certificate") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise Unauthorized(f"the signing certificate at {url!r} does not hold an RSA key")
    return key

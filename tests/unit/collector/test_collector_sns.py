"""SNS signature verification with the fixture certificate and key; URL allow-list."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from collector import sns
from collector.problems import Unauthorized

SES = Path(__file__).parents[2] / "fixtures" / "providers" / "ses"
CERT_NAME = "SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem"


def never_fetch(url: str) -> bytes:
    raise AssertionError(f"no download expected, got {url}")


@pytest.fixture
def certificates(tmp_path: Path) -> sns.SigningCertificates:
    shutil.copy(SES / "certificate.pem", tmp_path / CERT_NAME)
    return sns.SigningCertificates(str(tmp_path), never_fetch)


@pytest.mark.parametrize(
    "fixture",
    [
        "inbound_email.json",
        "inbound_email_s3.json",
        "valid_signature.json",
        "recognized_topic_subscription_request.json",
    ],
)
def test_real_notifications_verify(certificates: sns.SigningCertificates, fixture: str) -> None:
    sns.verify(sns.parse((SES / fixture).read_bytes()), certificates)


def test_invalid_signature_is_refused(certificates: sns.SigningCertificates) -> None:
    with pytest.raises(Unauthorized, match=r"Signature is not base64|does not verify"):
        sns.verify(sns.parse((SES / "invalid_signature.json").read_bytes()), certificates)


def test_a_changed_message_no_longer_verifies(certificates: sns.SigningCertificates) -> None:
    document = json.loads((SES / "inbound_email.json").read_bytes())
    document["Message"] = document["Message"].replace("sender@example.com", "attacker@example.com")
    with pytest.raises(Unauthorized, match="does not verify"):
        sns.verify(sns.SnsMessage.model_validate(document), certificates)


def test_signature_version_2_is_sha256(certificates: sns.SigningCertificates) -> None:
    document = json.loads((SES / "inbound_email.json").read_bytes()) | {"SignatureVersion": "2"}
    key = serialization.load_pem_private_key((SES / "privatekey.pem").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    message = sns.SnsMessage.model_validate(document)
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), hashes.SHA256())
    signed = message.model_copy(update={"signature": base64.b64encode(signature).decode()})

    sns.verify(signed, certificates)
    with pytest.raises(Unauthorized):
        sns.verify(signed.model_copy(update={"signature_version": "1"}), certificates)
    with pytest.raises(Unauthorized, match="SignatureVersion"):
        sns.verify(signed.model_copy(update={"signature_version": "3"}), certificates)


@pytest.mark.parametrize("fixture", ["inbound_email.json", "inbound_email_s3.json", "valid_signature.json",
                                     "recognized_topic_subscription_request.json"])
def test_a_real_sha1_capture_is_refused_below_the_minimum_unless_1_is_allowed(fixture: str) -> None:
    message = sns.parse((SES / fixture).read_bytes())
    assert message.signature_version == "1"
    weak = r"below the minimum 2.*SesMinSignatureVersion=1"
    with pytest.raises(sns.SignatureTooWeak, match=weak) as refused:
        sns.require_signature_version(message, 2)
    assert refused.value.status == 403
    sns.require_signature_version(message, 1)
    sns.require_signature_version(message.model_copy(update={"signature_version": "2"}), 2)


@pytest.mark.parametrize("version", ["", "3", "SHA256", "0"])
def test_an_unknown_signature_version_is_refused_whatever_the_minimum(version: str) -> None:
    message = sns.parse((SES / "valid_signature.json").read_bytes()).model_copy(
        update={"signature_version": version})
    with pytest.raises(Unauthorized, match="not supported"):
        sns.require_signature_version(message, 1)


def test_certificate_is_fetched_only_from_the_allow_listed_host() -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return (SES / "certificate.pem").read_bytes()

    store = sns.SigningCertificates(None, fetch)
    message = sns.parse((SES / "valid_signature.json").read_bytes())

    sns.verify(message, store)
    sns.verify(message, store)  # cached

    assert fetched == [message.signing_cert_url]


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com.evil.org/x.pem",
        "https://evil.org/sns.us-east-1.amazonaws.com/x.pem",
        "https://s3.amazonaws.com/x.pem",
        "not a url",
    ],
)
def test_urls_off_the_allow_list(url: str) -> None:
    with pytest.raises(Unauthorized, match="allowed SNS host"):
        sns.require_allowed_url(url, "SigningCertURL")


def test_string_to_sign_for_a_notification_without_subject() -> None:
    document = json.loads((SES / "inbound_email.json").read_bytes())
    document.pop("Subject")
    text = sns.string_to_sign(sns.SnsMessage.model_validate(document)).decode()
    assert text.split("\n")[::2] == ["Message", "MessageId", "Timestamp", "TopicArn", "Type", ""]


@pytest.mark.parametrize("unsigned", [("Signature",), ("SigningCertURL",), ("Signature", "SignatureVersion")])
def test_an_unsigned_message_is_unauthenticated_not_malformed(
    certificates: sns.SigningCertificates, unsigned: tuple[str, ...]
) -> None:
    document = json.loads((SES / "inbound_email.json").read_bytes())
    message = sns.parse(json.dumps({k: v for k, v in document.items() if k not in unsigned}).encode())

    with pytest.raises(Unauthorized, match="not signed"):
        sns.verify(message, certificates)


def test_the_topic_allow_list_is_required() -> None:
    message = sns.parse(SES.joinpath("valid_signature.json").read_bytes())

    with pytest.raises(Unauthorized, match="no SNS topic is configured"):
        sns.require_topic(message, " , ")
    with pytest.raises(Unauthorized, match="not one this collector subscribes to"):
        sns.require_topic(message, "arn:aws:sns:eu-west-1:111111111111:other")
    sns.require_topic(message, f"other, {message.topic_arn}")


@pytest.mark.parametrize(("offset", "fresh"), [(0, True), (3500, True), (3700, False), (-3700, False)])
def test_messages_more_than_an_hour_from_now_are_refused(offset: int, fresh: bool) -> None:
    message = sns.parse(SES.joinpath("valid_signature.json").read_bytes())  # Timestamp 2020-05-07T07:25:25Z
    sent = 1588836325.364
    if fresh:
        sns.require_fresh(message, sent + offset)
    else:
        with pytest.raises(Unauthorized, match="3600 s"):
            sns.require_fresh(message, sent + offset)


def test_the_certificate_cache_is_bounded(tmp_path: Path) -> None:
    """Every distinct SigningCertURL used to stay cached for the life of the Lambda."""
    pem = (SES / "certificate.pem").read_bytes()
    certificates = sns.SigningCertificates(None, lambda url: pem)

    for n in range(sns.MAX_CACHED_CERTIFICATES * 3):
        certificates.public_key(f"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-{n}.pem")

    assert certificates.cached == sns.MAX_CACHED_CERTIFICATES

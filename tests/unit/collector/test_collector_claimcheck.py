from __future__ import annotations

from typing import Any

import pytest

from collector import mime
from collector.claimcheck import ClaimCheck, inline_bodies
from collector.delivery import Delivery, attachment_body
from planetmail.inbound import Address, InboundEmail, new_tracking_id, utcnow


@pytest.mark.parametrize(
    ("text", "html", "limit", "expected"),
    [
        ("short", None, 10, ("short", None, False)),
        ("0123456789ab", None, 10, ("0123456789", None, True)),
        ("abc", "<p>x</p>", 5, ("abc", "<p", True)),
        ("ñññ", None, 3, ("ñ", None, True)),  # never half a character
        ("abc", "<p>", 6, ("abc", "<p>", False)),
    ],
)
def test_inline_bodies(
    text: str, html: str | None, limit: int, expected: tuple[str, str | None, bool]
) -> None:
    assert inline_bodies(text, html, limit) == expected


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str, **_: Any) -> None:
        self.objects[(Bucket, Key)] = Body


def test_attachments_and_a_rebuilt_message_go_to_s3() -> None:
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="postmark",
        **{"from": Address(address="a@example.org")},
        text="x" * 50,
        html="<p>long</p>",
    )
    s3 = FakeS3()
    delivery = Delivery(email=email, attachments=(attachment_body("a.txt", "text/plain", b"abc"),))

    stored = ClaimCheck(s3, "bucket", inline_limit=20).store(delivery)

    assert stored.body_truncated and stored.text == "x" * 20 and stored.html == ""
    assert (
        stored.attachments[0].s3_uri
        == f"s3://bucket/attachments/{email.id}/0-{stored.attachments[0].sha256[:16]}"
    )
    raw = s3.objects[("bucket", f"raw/{email.id}.eml")]
    assert mime.parse(raw, "api").email.text.strip() == "x" * 50


def test_small_parsed_message_without_raw_stores_nothing_but_attachments() -> None:
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="sendgrid",
        **{"from": Address(address="a@example.org")},
        text="short",
    )
    s3 = FakeS3()

    stored = ClaimCheck(s3, "bucket", inline_limit=1000).store(Delivery(email=email))

    assert (stored.raw_s3_uri, stored.body_truncated, s3.objects) == (None, False, {})


def test_a_record_that_cannot_fit_even_without_bodies_is_a_413() -> None:
    from collector.claimcheck import MAX_RECORD_BYTES, fitted
    from collector.problems import PayloadTooLarge

    email = InboundEmail(id=new_tracking_id(), received_at=utcnow(), source="api",
                         **{"from": Address(address="a@example.org")}, text="x",
                         headers={f"list-{n}": "\x01" * 2000 for n in range(200)})

    with pytest.raises(PayloadTooLarge, match=f"MAX_RECORD_BYTES={MAX_RECORD_BYTES}"):
        fitted(email, 256 * 1024)


def test_control_characters_are_cut_to_what_fits_once_encoded() -> None:
    """256 KiB of \\x01 was a 1.57 MB record (six bytes each in JSON): Kafka refused it on every retry."""
    from collector.claimcheck import MAX_RECORD_BYTES, fitted

    email = InboundEmail(id=new_tracking_id(), received_at=utcnow(), source="api",
                         **{"from": Address(address="a@example.org")}, text="\x01" * 262144)

    record, truncated = fitted(email, 256 * 1024)

    assert truncated and len(record.model_dump_json(by_alias=True).encode()) <= MAX_RECORD_BYTES

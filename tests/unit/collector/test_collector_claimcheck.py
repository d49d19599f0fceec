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

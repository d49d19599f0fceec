from __future__ import annotations

from pathlib import Path

import pytest

from collector import forms
from collector.problems import BadRequest
from collector.providers import sendgrid

FIXTURES = Path(__file__).parents[2] / "fixtures" / "providers" / "sendgrid"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{@sendgrid.com : pass}", "pass"),
        ("{@a.org : fail, @b.org : pass}", "pass"),
        ("{@a.org : fail}", "fail"),
        ("{}", None),
        ("none", None),
    ],
)
def test_dkim_verdict(value: str, expected: str | None) -> None:
    assert sendgrid.dkim_verdict(value) == expected


def test_parsed_fixture_converts_without_services() -> None:
    form = forms.parse("multipart/form-data; boundary=xYzZY", (FIXTURES / "default_data.txt").read_bytes())

    email = sendgrid.convert(form).email

    assert (email.subject, email.sender, email.auth.spf) == ("Testing non-raw", "test@example.com", "pass")
    assert email.envelope_to == ["inbound@inbound.example.com"]


def test_bad_json_field_is_named() -> None:
    form = forms.Form(fields={"from": b"a@example.org", "envelope": b"{nope"}, files={})
    with pytest.raises(BadRequest, match="'envelope'"):
        sendgrid.convert(form)


def test_a_header_with_a_valueless_parameter_does_not_sink_the_form() -> None:
    """CPython's parser raises IndexError on ``name*`` (python/cpython#151857); the form was a 400."""
    headers = b"From: Lois <lois@example.org>\nContent-Type: text/plain; charset=utf-8; name*\n"
    envelope = b'{"to": ["letters@dailyplanet.example"], "from": "lois@example.org"}'
    form = forms.Form(fields={"headers": headers, "text": "Mi periódico".encode(), "envelope": envelope},
                      files={})

    email = sendgrid.convert(form).email

    assert (email.sender, email.from_.name, email.text) == ("lois@example.org", "Lois", "Mi periódico")

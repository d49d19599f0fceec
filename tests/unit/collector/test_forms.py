"""collector.forms: a webhook's multipart form, part by part, as mail clients and providers write it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collector import forms, headers
from collector.problems import Problem

BOUNDARY = "BB"
SENDGRID_FORM = Path(__file__).parents[2] / "fixtures" / "providers" / "sendgrid" / "default_data.txt"


def one_part(headers: bytes, content: bytes = b"PDF") -> forms.Form:
    body = b"--BB\r\n" + headers + b"\r\n\r\n" + content + b"\r\n--BB--\r\n"
    return forms.parse(f"multipart/form-data; boundary={BOUNDARY}", body)


@pytest.mark.parametrize(("disposition", "filename"), [
    (b'form-data; name="attachment1"; filename="plain.pdf"', "plain.pdf"),
    ('form-data; name="attachment1"; filename="café ü.pdf"'.encode(), "café ü.pdf"),
    (b"form-data; name=\"attachment1\"; filename*=UTF-8''caf%C3%A9.pdf", "café.pdf"),
    (b'form-data; name="attachment1"; filename="=?UTF-8?B?Y2Fmw6kucGRm?="', "café.pdf"),
    (b'form-data; name="attachment1"; filename="=?bogus-charset?Q?x?="', "=?bogus-charset?Q?x?="),
])
def test_a_filename_reads_as_the_sender_wrote_it_in_any_encoding(disposition: bytes, filename: str) -> None:
    form = one_part(b"Content-Disposition: " + disposition + b"\r\nContent-Type: application/pdf")

    assert form.files["attachment1"] == forms.FilePart(filename, "application/pdf", b"PDF")


def test_an_encoded_filename_longer_than_any_real_one_is_kept_as_written() -> None:
    words = " ".join(["=?utf-8?q?a?="] * (headers.MAX_DECODED_CHARS // 14 + 1))
    form = one_part(f'Content-Disposition: form-data; name="f"; filename="{words}"'.encode())

    assert form.files["f"].filename == words


@pytest.mark.parametrize(("headers", "name"), [
    (b'Content-Disposition: form-data;\r\n name="text"', "text"),
    (b"Content-Disposition: form-data; name*=UTF-8''t%C3%A9xt", "téxt"),
    (b"Content-Disposition: form-data; name=text", "text"),
    (b'content-disposition: FORM-DATA; NAME="text"', "text"),
])
def test_a_field_name_is_found_folded_encoded_unquoted_or_in_any_case(headers: bytes, name: str) -> None:
    assert one_part(headers, b"hello").fields == {name: b"hello"}


def test_a_field_in_base64_is_decoded() -> None:
    headers = b'Content-Disposition: form-data; name="x"\r\nContent-Transfer-Encoding: base64'

    form = one_part(headers, b"aGVsbG8=")

    assert form.fields == {"x": b"hello"}


def test_eight_bit_bytes_in_a_name_read_as_utf8_with_replacements() -> None:
    form = one_part(b'Content-Disposition: form-data; name="a\xff\xc3\xa9b"', b"z")

    assert set(form.fields) == {"a\ufffdéb"}


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8))
def test_a_corrupted_provider_form_parses_or_is_a_problem_never_a_crash(flips: list[tuple[int, int]]) -> None:
    body = bytearray(SENDGRID_FORM.read_bytes())
    for position, value in flips:
        body[position % len(body)] = value
    try:
        form = forms.parse("multipart/form-data; boundary=xYzZY", bytes(body))
    except Problem:
        return
    assert all(isinstance(name, str) for name in (*form.fields, *form.files))

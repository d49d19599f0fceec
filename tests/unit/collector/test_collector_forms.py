from __future__ import annotations

import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collector import forms
from collector.problems import BadRequest, UnsupportedMediaType

BODY = (
    b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nHola se\xc3\xb1or\r\n'
    b'--b\r\nContent-Disposition: form-data; name="attachment1"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\nfile bytes\r\n--b--\r\n"
)


def test_multipart_fields_and_files() -> None:
    form = forms.parse("multipart/form-data; boundary=b", BODY)

    assert form.text("text") == "Hola señor"
    assert form.files["attachment1"] == forms.FilePart("a.txt", "text/plain", b"file bytes")


def test_urlencoded_fields() -> None:
    form = forms.parse("application/x-www-form-urlencoded", b"a=1&b=two+words&c=")
    assert (form.text("a"), form.text("b"), form.text("c"), form.has("d")) == ("1", "two words", "", False)


@pytest.mark.parametrize(
    ("content_type", "body", "error", "detail"),
    [
        ("application/json", b"{}", UnsupportedMediaType, "application/json"),
        (None, b"", UnsupportedMediaType, "(none)"),
        ("multipart/form-data", BODY, BadRequest, "boundary"),
        ("multipart/form-data; boundary=other", BODY, BadRequest, "no parts"),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
            BadRequest,
            "name",
        ),
        ("application/x-www-form-urlencoded", b"\xff\xfe", BadRequest, "urlencoded"),
    ],
)
def test_malformed_forms(content_type: str | None, body: bytes, error: type[Exception], detail: str) -> None:
    with pytest.raises(error, match=detail.replace("(", r"\(").replace(")", r"\)")):
        forms.parse(content_type, body)


@settings(max_examples=examples(200), deadline=None)
@given(
    content_type=st.sampled_from(
        [
            "multipart/form-data; boundary=b",
            'multipart/form-data; boundary=""',
            "multipart/form-data; boundary=b; charset=x-bad",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
    ),
    body=st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    b"--b\r\n",
                    b'Content-Disposition: form-data; name="a"\r\n',
                    b"Content-Disposition: form-data\r\n",
                    b"Content-Transfer-Encoding: base64\r\n",
                    b"\r\n",
                    b"value\r\n",
                    b"--b--\r\n",
                    b"a=1&b",
                    b"%zz",
                    b'Content-Disposition: form-data; name="f"; filename="x"\r\n',
                ]
            ),
            max_size=12,
        ).map(b"".join),
    ),
)
def test_any_form_body_parses_or_is_a_client_error(content_type: str, body: bytes) -> None:
    try:
        form = forms.parse(content_type, body)
    except (BadRequest, UnsupportedMediaType) as exc:
        assert exc.detail
    else:
        assert all(isinstance(value, bytes) for value in form.fields.values())

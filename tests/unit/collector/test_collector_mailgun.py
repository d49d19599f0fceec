from __future__ import annotations

import hashlib
import hmac

import pytest

from collector.forms import Form
from collector.problems import Unauthorized
from collector.providers import mailgun
from planetmail.settings import Secret

KEY = Secret("key-1")
NOW = 1_800_000_000


def signed(timestamp: int = NOW, token: str = "tok", key: str = "key-1") -> dict[str, str]:
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": str(timestamp), "token": token, "signature": signature}


def form(fields: dict[str, str]) -> Form:
    return Form(fields={k: v.encode() for k, v in fields.items()}, files={})


def test_valid_signature_returns_the_token() -> None:
    assert mailgun.verify_signature(form(signed()), KEY, NOW + 60) == "tok"


@pytest.mark.parametrize(
    ("fields", "key", "detail"),
    [
        (signed(key="other"), KEY, "does not match"),
        (signed(), Secret(""), "no signing key"),
        ({**signed(), "signature": ""}, KEY, "lacks"),
        ({"token": "tok"}, KEY, "lacks"),
        (signed(timestamp=NOW - mailgun.MAX_SIGNATURE_AGE_SECONDS - 1), KEY, "timestamp"),
        (signed(timestamp=NOW + mailgun.MAX_SIGNATURE_AGE_SECONDS + 1), KEY, "timestamp"),
    ],
)
def test_refused_signatures(fields: dict[str, str], key: Secret, detail: str) -> None:
    with pytest.raises(Unauthorized, match=detail):
        mailgun.verify_signature(form(fields), key, NOW)

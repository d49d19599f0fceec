"""Credentials every route checks: Bearer token (API), HTTP Basic (SendGrid, Postmark).

Comparisons are constant-time; an unconfigured credential refuses everything (fail closed).
Signature schemes live with their provider (``providers.mailgun``, ``sns``).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from collector.problems import Unauthorized
from planetmail.settings import Secret

_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="planetmail"'}
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="planetmail"'}


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def require_bearer(authorization: str | None, token: Secret) -> None:
    if not token:
        raise Unauthorized("the collector has no API token configured; set PLANETMAIL_API_TOKEN",
                           _BEARER_CHALLENGE)
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("missing Authorization: Bearer <token> header", _BEARER_CHALLENGE)
    if not same(given.strip(), token.reveal()):
        raise Unauthorized("the bearer token is not valid", _BEARER_CHALLENGE)


def require_basic(authorization: str | None, credentials: Secret, provider: str) -> None:
    """``credentials`` is ``user:password`` from settings.webhook_credentials[provider]."""
    user, _, password = credentials.reveal().partition(":")
    if not (user.strip() and password.strip()):
        raise Unauthorized(f"no credentials configured for the {provider} webhook (or unusable ones)",
                           _BASIC_CHALLENGE)
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized(f"the {provider} webhook needs HTTP Basic authentication", _BASIC_CHALLENGE)
    try:
        given = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("Basic credentials are not base64 of user:password", _BASIC_CHALLENGE) from None
    if not same(given, credentials.reveal()):
        raise Unauthorized(f"wrong user or password for the {provider} webhook", _BASIC_CHALLENGE)

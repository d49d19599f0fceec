"""Who is asking: a staff member named by API Gateway's JWT authorizer (AWS) or the local staff token.

On AWS every ``api/`` route sits behind the HTTP API's JWT authorizer (Cognito, or another OpenID
issuer): API Gateway has checked the token before the function runs and hands over its claims in the
request context, which a client cannot forge. Locally the emulator runs no authorizer, and the Bearer
token from ``local.json`` (``inbox_token``) is compared instead. With neither, every request is refused.

Staff credentials travel only in the ``Authorization`` header, never in a cookie, so another site cannot
make a staff member's browser send an authenticated request (no CSRF), and CORS is not enabled.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from planetmail.settings import Secret

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="planetmail-inbox"'}
_IDENTITY_CLAIMS = ("email", "cognito:username", "username", "sub")


class NotStaff(Exception):
    """The request carries no valid staff credential; the message says what is missing."""


def staff_member(event: Mapping[str, Any] | None, authorization: str | None, token: Secret,
                 local_name: str) -> str:
    """The staff member's name: from the JWT's claims, else ``local_name`` when the token is right."""
    claims = jwt_claims(event)
    if claims:
        return next((str(claims[name]) for name in _IDENTITY_CLAIMS if claims.get(name)), "staff")
    if not token:
        raise NotStaff("the inbox has no staff token (PLANETMAIL_INBOX_TOKEN) and no JWT authorizer")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise NotStaff("missing Authorization: Bearer <staff token> header")
    if not hmac.compare_digest(given.strip().encode(), token.reveal().encode()):
        raise NotStaff("the staff token is not valid")
    return local_name


def jwt_claims(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The claims API Gateway's JWT authorizer verified (payload 2.0), or nothing."""
    context = (event or {}).get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return claims if isinstance(claims, Mapping) else {}

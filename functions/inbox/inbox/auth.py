"""Who is asking and what they may do: a staff member named by API Gateway's JWT authorizer (AWS) or the
local staff token, and whether they are an agent (may act) or only a reader.

On AWS every ``api/`` route sits behind the HTTP API's JWT authorizer (Cognito, or another OpenID
issuer): API Gateway has checked the token before the function runs and hands over its claims in the
request context, which a client cannot forge. Locally the emulator runs no authorizer, and the Bearer
token from ``local.json`` (``inbox_token``) is compared instead. With neither, every request is refused.

Any verified staff member may read; only members of the agent group (``InboxAgentGroup``, the
``cognito:groups`` claim) may act. The local token holder is a full agent. An empty agent group setting
turns the group check off (every verified staff member acts) — an explicit operator choice for issuers
that put no groups in their tokens; the default names a group, so the check is on unless switched off.

Staff credentials travel only in the ``Authorization`` header, never in a cookie, so another site cannot
make a staff member's browser send an authenticated request (no CSRF), and CORS is not enabled.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from planetmail.settings import Secret

CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="planetmail-inbox"'}
GROUP_CLAIMS: Final = ("cognito:groups", "groups")
"""Where the caller's groups are: Cognito's claim first, then the common OpenID Connect one."""
_IDENTITY_CLAIMS: Final = ("email", "cognito:username", "username", "sub")
_SEPARATORS: Final = re.compile(r"[\s,]+")


class NotStaff(Exception):
    """The request carries no valid staff credential; the message says what is missing."""


class NotAgent(Exception):
    """A verified staff member outside the agent group asked to change something."""

    def __init__(self, caller: Caller, group: str) -> None:
        self.group = group
        super().__init__(
            f"{caller.name} may read the inbox but not act: acting needs membership of the staff group "
            f"{group!r} (JWT claim cognito:groups), which this token does not carry. Fix: an administrator "
            f"adds the user to {group!r} in the identity provider (Cognito: aws cognito-idp "
            f"admin-add-user-to-group --group-name {group} ...), then the user signs in again.")


@dataclasses.dataclass(frozen=True)
class Caller:
    name: str
    can_act: bool
    groups: tuple[str, ...] = ()


def caller(event: Mapping[str, Any] | None, authorization: str | None, token: Secret, local_name: str,
           agent_group: str) -> Caller:
    """The verified caller: from the JWT's claims, else ``local_name`` (an agent) when the token is right."""
    claims = jwt_claims(event)
    if claims:
        groups = claim_groups(claims)
        name = next((str(claims[key]) for key in _IDENTITY_CLAIMS if claims.get(key)), "staff")
        return Caller(name, not agent_group or agent_group in groups, groups)
    if not token:
        raise NotStaff("the inbox has no staff token (PLANETMAIL_INBOX_TOKEN) and no JWT authorizer")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise NotStaff("missing Authorization: Bearer <staff token> header")
    if not hmac.compare_digest(given.strip().encode(), token.reveal().encode()):
        raise NotStaff("the staff token is not valid")
    return Caller(local_name, True)


def require_agent(who: Caller, agent_group: str) -> Caller:
    if not who.can_act:
        raise NotAgent(who, agent_group)
    return who


def jwt_claims(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The claims API Gateway's JWT authorizer verified (payload 2.0), or nothing."""
    context = (event or {}).get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return claims if isinstance(claims, Mapping) else {}


def claim_groups(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The caller's groups, in every form the claim arrives in.

    API Gateway's HTTP API flattens an array claim to a bracketed, space-separated string
    (``"[reader-services editors]"``); a direct invocation or another proxy may pass a real list, a JSON
    array as text, or one plain (or comma-separated) name. Cognito group names hold no whitespace.
    """
    found: list[str] = []
    for key in GROUP_CLAIMS:
        found += _group_names(claims.get(key))
    return tuple(dict.fromkeys(found))


def _group_names(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        parsed = _json_strings(text)
        if parsed is not None:
            return _group_names(parsed)
        text = text[1:-1]
    return [name for name in _SEPARATORS.split(text) if name]


def _json_strings(text: str) -> list[str] | None:
    """``text`` as a JSON array of strings, else None (``[1e5]`` is the group ``1e5``, not a number)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed) else None

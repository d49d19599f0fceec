"""The inbox's own settings, on top of ``planetmail.settings.Settings`` (Kafka, AWS, tables).

Read once per warm worker. An explicit keyword beats the environment, which beats ``local.json``
(where ``planetmail up`` writes the local staff token).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

from planetmail.settings import Secret, Settings, SettingsError

ENV_INBOX_TABLE = "PLANETMAIL_INBOX_TABLE"
ENV_INBOX_TOKEN = "PLANETMAIL_INBOX_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_INBOX_STAFF_NAME = "PLANETMAIL_INBOX_STAFF_NAME"
ENV_INBOX_RESPONSE_SLA_HOURS = "PLANETMAIL_INBOX_RESPONSE_SLA_HOURS"
ENV_INBOX_PRESIGN_SECONDS = "PLANETMAIL_INBOX_PRESIGN_SECONDS"
ENV_INBOX_AGENT_GROUP = "PLANETMAIL_INBOX_AGENT_GROUP"
DEFAULT_AGENT_GROUP = "reader-services"


@dataclasses.dataclass(frozen=True)
class InboxSettings:
    pipeline: Settings
    table: str = "planetmail-inbox"
    token: Secret = dataclasses.field(default_factory=lambda: Secret(""))
    """The local staff token (Bearer). Empty on AWS, where API Gateway's JWT authorizer checks staff."""
    staff_name: str = "local-staff"
    """Who a token-authenticated request acts as (feedback ``by``, audit events)."""
    response_sla_hours: float = 24.0
    """How long staff may take to deal with a message before the page shows it overdue."""
    presign_seconds: int = 300
    agent_group: str = DEFAULT_AGENT_GROUP
    """The JWT group (``cognito:groups``) whose members may act; others only read. Set but empty: no
    group check (every verified staff member acts). The local token holder always acts."""

    @classmethod
    def load(cls, pipeline: Settings | None = None, environ: Mapping[str, str] | None = None,
             **overrides: Any) -> InboxSettings:
        env = os.environ if environ is None else environ
        pipeline = pipeline or Settings.load(environ=env)
        values: dict[str, Any] = {"pipeline": pipeline, **_from_local_file(pipeline)}
        values.update(_from_environment(env))
        values.update(overrides)
        if isinstance(values.get("token"), str):
            values["token"] = Secret(values["token"])
        return cls(**values)


def _from_local_file(pipeline: Settings) -> dict[str, Any]:
    """The staff token ``planetmail up`` generated (Settings.load already refused a malformed file)."""
    path = pipeline.state_dir / "local.json"
    if not path.is_file():
        return {}
    token = json.loads(path.read_text(encoding="utf-8")).get("inbox_token")
    return {"token": token} if isinstance(token, str) else {}


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable, field in ((ENV_INBOX_TABLE, "table"), (ENV_INBOX_TOKEN, "token"),
                            (ENV_INBOX_STAFF_NAME, "staff_name")):
        if env.get(variable):
            values[field] = env[variable]
    if ENV_INBOX_AGENT_GROUP in env:  # present and empty is a choice (no group check), not "unset"
        values["agent_group"] = _group(env[ENV_INBOX_AGENT_GROUP])
    if env.get(ENV_INBOX_RESPONSE_SLA_HOURS):
        values["response_sla_hours"] = _number(ENV_INBOX_RESPONSE_SLA_HOURS, env, float)
    if env.get(ENV_INBOX_PRESIGN_SECONDS):
        values["presign_seconds"] = _number(ENV_INBOX_PRESIGN_SECONDS, env, int)
    return values


def _number(variable: str, env: Mapping[str, str], kind: type[float] | type[int]) -> float | int:
    try:
        return kind(env[variable])
    except ValueError:
        raise SettingsError(f"{variable}={env[variable]!r} is not a number; set it to e.g. 24") from None


def _group(value: str) -> str:
    name = value.strip()
    if any(character.isspace() for character in name):
        raise SettingsError(f"{ENV_INBOX_AGENT_GROUP}={value!r} holds whitespace, which no group name has; "
                            f"set one group, e.g. {DEFAULT_AGENT_GROUP}, or empty for no group check")
    return name

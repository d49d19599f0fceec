"""Lifecycle events on ``mail.events``: every stage reports what happened to a message."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import Field

from planetmail.inbound import Record, utcnow

EVENT_SCHEMA: Final = "planetmail.event/v1"

Stage = Literal["collector", "processor", "responder", "watchdog", "config", "inbox"]
State = Literal[
    "received", "duplicate", "classified", "ack_requested", "acknowledged", "suppressed",
    "failed", "retrying", "sla_breach", "config_changed",
    "reassigned", "handled", "reopened", "noted",
]

TERMINAL_STATES: Final = frozenset({"acknowledged", "suppressed", "failed"})
"""A message ends in exactly one of these: nothing is owed to its sender afterwards (``failed`` is
owed an operator's look, not a pipeline step). ``retrying`` is not one: the event source redelivers."""


class LifecycleEvent(Record):
    schema_: Literal["planetmail.event/v1"] = Field(EVENT_SCHEMA, alias="schema")
    id: str
    """Tracking id of the message (or a config version id for config events)."""
    stage: Stage
    state: State
    at: datetime = Field(default_factory=utcnow)
    received_at: datetime | None = None
    """When the collector accepted the message, so any consumer can compute end-to-end latency."""
    detail: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES and self.stage != "config"

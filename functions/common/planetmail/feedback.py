"""Staff decisions on ``mail.feedback``: the human corrections (and confirmations) the classifier learns from.

One record per decision, keyed by tracking id. It carries the text the model read (subject and the start
of the body), so the training set can be rebuilt from the topic alone, long after ``mail.received`` has
been compacted away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import Field

from planetmail.inbound import Record, utcnow

FEEDBACK_SCHEMA: Final = "planetmail.feedback/v1"
FEEDBACK_TEXT_LIMIT: Final = 4000
"""Characters of the body kept: the model reads the first 2,000, the rest is margin for a new model."""

Decision = Literal["relabel", "handled", "spam", "not_spam", "reopen"]


class FeedbackRecord(Record):
    schema_: Literal["planetmail.feedback/v1"] = Field(FEEDBACK_SCHEMA, alias="schema")
    id: str
    """Tracking id of the message."""
    decision: Decision
    old_label: str
    """The category the message had before the decision (the model's, or an earlier decision's)."""
    new_label: str
    """The category after it; equal to ``old_label`` when staff confirmed the label (handled)."""
    model_label: str = ""
    """What the classifier said, whatever staff did since."""
    by: str
    at: datetime = Field(default_factory=utcnow)
    language: str = ""
    subject: str = ""
    text: str = ""

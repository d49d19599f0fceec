"""Staff corrections from ``mail.feedback`` as weighted training examples (``train --with-feedback``).

Weighting is by repetition: each corrected message enters the training split ``FEEDBACK_WEIGHT`` times
under one group (so cross-validation never splits its copies), because the classifier's fit takes no
sample weights and a single correction among thousands of generated lines would barely move it.
Deduplication, newest-label-wins and the exclusion of ``human_review`` are ``latest_labels``'s rules.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any, Final

from processor.mail import plain
from retrain.examples import Example
from retrain.feedback_topic import Decision, latest_labels
from retrain.training import Sources

FEEDBACK_WEIGHT: Final = 3
"""Copies of each corrected message in the training split."""


def feedback_examples(decisions: Sequence[Decision]) -> list[Example]:
    """One group of ``FEEDBACK_WEIGHT`` copies per corrected message, newest label winning."""
    examples: list[Example] = []
    for text, label in latest_labels(decisions):
        subject, _, body = text.partition("\n")
        group = "feedback:" + hashlib.sha256(text.encode()).hexdigest()[:16]
        example = Example(mail=plain(subject, body), category=label, group=group, source="feedback")
        examples += [example] * FEEDBACK_WEIGHT
    return examples


def feedback_facts(decisions: Sequence[Decision], examples: Sequence[Example]) -> dict[str, Any]:
    """For the model card: how many examples, from which offsets and which span of decision times."""
    offsets: dict[str, list[int]] = {}
    for decision in decisions:
        partition, offset = decision.position
        span = offsets.setdefault(str(partition), [offset, offset])
        offsets[str(partition)] = [min(span[0], offset), max(span[1], offset)]
    times = sorted(d.at for d in decisions)
    return {"decisions": len(decisions), "examples": len(examples) // FEEDBACK_WEIGHT,
            "weight": FEEDBACK_WEIGHT, "offsets": offsets,
            "from": times[0].isoformat() if times else "", "to": times[-1].isoformat() if times else ""}


def with_feedback(sources: Sources, decisions: Sequence[Decision]) -> Sources:
    """``sources`` plus the corrections among ``decisions``, and where they came from for the model card."""
    examples = feedback_examples(decisions)
    return dataclasses.replace(sources, feedback=tuple(examples),
                               feedback_facts=feedback_facts(decisions, examples))

"""``train --with-feedback`` on the real mail.feedback: a corrected message teaches the model its label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from planetmail import codec, topics
from planetmail.feedback import FeedbackRecord
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from planetmail_local.feedback import read_decisions
from planetmail_local.training.feedback import FEEDBACK_WEIGHT, feedback_examples, feedback_facts
from planetmail_local.training.training import Sources, train
from processor.mail import plain

pytestmark = pytest.mark.integration

CORRECTED = ("Pothole photo from Elm Street",
             "Your reporters should see the crater swallowing cars outside number 12 Elm Street.")
NEAR_DUPLICATE = plain("Pothole photos from Elm Street",
                       "Your reporters should see the crater swallowing cars outside 14 Elm Street.")


def _decide(settings: Settings, message_id: str, new_label: str, at: datetime) -> None:
    record = FeedbackRecord(id=message_id, decision="relabel", old_label="complaints", new_label=new_label,
                            by="staff@dailyplanet.example", at=at, subject=CORRECTED[0], text=CORRECTED[1])
    producer = make_producer(settings)
    producer.send(settings.topic(topics.FEEDBACK), key=message_id.encode(), value=codec.encode(record)).get(
        timeout=10)
    producer.close()


def test_near_duplicate_of_a_correction_takes_the_new_label(
        isolated_settings: Settings, tiny_corpus: Path, tiny_model: Any, tmp_path: Path) -> None:
    assert tiny_model.model.predict([NEAR_DUPLICATE])[0] != "news_tips", "the test could not fail"
    now = datetime.now(UTC)
    _decide(isolated_settings, "m-1", "human_review", now - timedelta(minutes=2))
    _decide(isolated_settings, "m-1", "news_tips", now - timedelta(minutes=1))
    _decide(isolated_settings, "m-2", "human_review", now)  # same text, sent back to the queue: left out
    decisions = read_decisions(isolated_settings)
    examples = feedback_examples(decisions)
    assert [e.category for e in examples] == ["news_tips"] * FEEDBACK_WEIGHT
    facts = feedback_facts(decisions, examples)
    loaded = train(Sources(corpus=tiny_corpus, feedback=tuple(examples), feedback_facts=facts), tmp_path,
                   folds=0)
    assert loaded.model.predict([NEAR_DUPLICATE])[0] == "news_tips"
    card = loaded.card.training["feedback"]
    assert (card["decisions"], card["examples"], card["weight"]) == (3, 1, FEEDBACK_WEIGHT)
    assert sum(last - first + 1 for first, last in card["offsets"].values()) == 3  # fresh topic: 0, 1, ...

"""``train --with-feedback`` on the real mail.feedback: a corrected message teaches the model its label."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from planetmail import codec, topics
from planetmail.feedback import FeedbackRecord
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from processor.mail import plain
from retrain.feedback import FEEDBACK_WEIGHT, feedback_examples, feedback_facts
from retrain.feedback_topic import read_decisions
from retrain.training import Sources, train

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


def test_promote_only_a_model_that_is_not_worse(
        isolated_settings: Settings, tiny_corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from planetmail_local.cli.config import change, current
    from planetmail_local.cli.main import cli

    settings = dataclasses.replace(isolated_settings, zk_root=f"/planetmail-test-{uuid.uuid4().hex[:8]}",
                                   state_dir=tmp_path)
    for name, value in (("PLANETMAIL_STATE_DIR", str(tmp_path)), ("PLANETMAIL_ZK_ROOT", settings.zk_root),
                        ("PLANETMAIL_TOPIC_PREFIX", settings.topic_prefix),
                        ("PLANETMAIL_KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
                        ("PLANETMAIL_ZOOKEEPER", settings.zookeeper)):
        monkeypatch.setenv(name, value)
    models = tmp_path / "models"
    baseline = train(Sources(corpus=tiny_corpus), models, folds=0).card.version
    _decide(settings, "m-1", "news_tips", datetime.now(UTC))
    decisions = read_decisions(settings)
    corrected = train(Sources(corpus=tiny_corpus, feedback=tuple(feedback_examples(decisions))), models,
                      folds=0).card.version
    change(settings, [("model_version", baseline)])
    options = ["--no-spamassassin", "--newspaper-test", str(tiny_corpus)]

    refused = CliRunner().invoke(cli, ["model", "promote", baseline, *options])
    promoted = CliRunner().invoke(cli, ["model", "promote", corrected, *options])
    assert promoted.exit_code == 0, promoted.output
    assert current(settings)["model_version"] == corrected
    back = CliRunner().invoke(cli, ["model", "promote", baseline, *options])
    assert back.exit_code != 0 and "feedback-set accuracy" in back.output, back.output
    assert current(settings)["model_version"] == corrected
    forced = CliRunner().invoke(cli, ["model", "promote", baseline, "--force", *options])
    assert forced.exit_code == 0 and "(forced)" in forced.output, forced.output
    assert current(settings)["model_version"] == baseline
    assert refused.exit_code == 0  # the same model is never worse than itself

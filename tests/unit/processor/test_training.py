import json
from datetime import UTC, datetime

from processor import artifact
from processor.corpus import Example
from processor.training import Sources, cross_validate, model_version, train


def test_train_saves_a_model_card_with_held_out_and_cross_validation_scores(tiny_corpus, tmp_path):
    loaded = train(Sources(corpus=tiny_corpus), tmp_path, folds=2)
    card = json.loads(loaded.path.with_suffix(".json").read_text())
    assert card["version"] == (tmp_path / "LATEST").read_text().strip()
    assert card["metrics"]["cross_validation"]["folds"] == 2
    assert set(card["metrics"]["held_out"]["macro_f1"]) == {"all", "en", "es"}
    training, held_out = card["training"]["training"], card["training"]["held_out"]
    assert sum(training.values()) + sum(held_out.values()) == 112
    assert artifact.load(loaded.path).card.version == loaded.card.version


def test_cross_validation_scores_every_language():
    examples = [
        Example(text=f"{word} number {i}", category=category, group=f"{category}{i}", language=lang)
        for i in range(6)
        for category, word, lang in (
            ("subscriptions", "cancel", "en"),
            ("complaints", "late", "es"),
            ("praise", "thanks", "en"),
            ("questions", "price", "es"),
            ("news_tips", "fire", "en"),
            ("advertising", "advert", "es"),
            ("spam", "viagra", "en"),
        )
    ]
    result = cross_validate(examples, folds=2)
    assert set(result["macro_f1"]) == {"all", "en", "es"}
    assert all(0.0 <= s["mean"] <= 1.0 for s in result["macro_f1"].values())


def test_the_version_names_the_time_and_the_data():
    examples = [Example(text="a", category="praise", group="g")]
    now = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    assert model_version(examples, now) == model_version(examples, now)
    assert model_version(examples, now).startswith("20261126T220000Z-")
    other = [Example(text="b", category="praise", group="g")]
    assert model_version(other, now) != model_version(examples, now)

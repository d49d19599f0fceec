import json
from datetime import UTC, datetime
from email.message import EmailMessage

import numpy as np
import pytest

from processor import artifact
from processor.mail import plain
from processor.model import SPAM_VETO
from retrain import training
from retrain.examples import Example
from retrain.training import (
    HAM_BUDGET,
    SPAM_THRESHOLDS,
    Sources,
    choose_spam_threshold,
    cross_validate,
    model_version,
    train,
)


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
        Example(mail=plain("", f"{word} number {i}"), category=category, group=f"{category}{i}",
                language=lang)
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
    assert set(result.scores["macro_f1"]) == {"all", "en", "es"}
    assert all(0.0 <= s["mean"] <= 1.0 for s in result.scores["macro_f1"].values())
    assert result.spam_threshold == SPAM_VETO  # no real ham to choose a threshold from


def test_the_version_names_the_time_and_the_data():
    examples = [Example(mail=plain("", "a"), category="praise", group="g")]
    now = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    assert model_version(examples, now) == model_version(examples, now)
    assert model_version(examples, now).startswith("20261126T220000Z-")
    other = [Example(mail=plain("", "b"), category="praise", group="g")]
    assert model_version(other, now) != model_version(examples, now)


def test_the_spam_threshold_is_the_lowest_that_keeps_ham_within_the_budget():
    ham_evidence = [0.0] * 396 + [0.3, 0.25, 0.21, 0.6]
    evidence = np.array([*ham_evidence, 0.9, 0.5])
    ham = np.array([*[True] * len(ham_evidence), False, False])
    # 400 ham and a 0.5 % budget: two may be called spam, so 0.25 and 0.21 must fall below it
    assert choose_spam_threshold(evidence, ham) == 0.26
    assert choose_spam_threshold(evidence, ham, budget=0.0) == 0.61
    assert choose_spam_threshold(evidence, ham, budget=0.0075) == 0.22  # three of 400


def test_without_ham_the_default_threshold_stays():
    assert choose_spam_threshold(np.array([0.9, 0.1]), np.array([False, False])) == SPAM_VETO


def test_ham_that_no_threshold_clears_gets_the_highest_candidate():
    assert choose_spam_threshold(np.array([0.99, 0.99]), np.array([True, True])) == SPAM_THRESHOLDS[-1]


def _write_mail(folder, count, subject, body):
    folder.mkdir(parents=True)
    for i in range(count):
        message = EmailMessage()
        message["Subject"] = f"{subject} {chr(97 + i % 26)}{chr(97 + i // 26)}"
        message.set_content(f"{body} {i}")
        (folder / f"{i:05d}.txt").write_bytes(message.as_bytes())


@pytest.fixture
def spamassassin_folder(tmp_path):
    root = tmp_path / "spamassassin"
    _write_mail(root / "spam-2", 30, "cheap pills", "buy cheap pills now, click here to claim your prize")
    _write_mail(root / "easy-ham-2", 30, "list digest", "the build is green again, notes from the meeting")
    _write_mail(root / "spam-1", 5, "cheap pills", "cheap pills, claim your prize")
    _write_mail(root / "easy-ham-1", 7, "list digest", "notes from the meeting")
    _write_mail(root / "hard-ham-1", 3, "our newsletter", "this week's offers from your bookshop")
    return root


def test_training_chooses_the_spam_threshold_on_the_training_split_only(
    tiny_corpus, spamassassin_folder, tmp_path, monkeypatch
):
    seen = []

    def spy(evidence, ham, budget=HAM_BUDGET):
        seen.append((len(evidence), int(ham.sum())))
        return 0.37

    monkeypatch.setattr(training, "choose_spam_threshold", spy)
    sources = Sources(corpus=tiny_corpus, spamassassin=spamassassin_folder)
    loaded = train(sources, tmp_path / "models", folds=2)

    train_split, _ = sources.load()
    assert {e.source for e in train_split} == {"corpus", "spamassassin:spam-2", "spamassassin:easy-ham-2"}
    assert seen == [(len(train_split), 30)]  # easy-ham-2 only: the test folders never choose
    assert loaded.model.spam_threshold == 0.37
    assert loaded.card.metrics["cross_validation"]["spam"]["threshold"] == 0.37
    assert artifact.load(loaded.path).model.spam_threshold == 0.37


def test_the_model_card_reports_the_test_split_apart_from_training(tiny_corpus, spamassassin_folder,
                                                                    tmp_path):
    sources = Sources(corpus=tiny_corpus, spamassassin=spamassassin_folder)
    loaded = train(sources, tmp_path / "models", folds=0)
    tested = loaded.card.metrics["test_split"]
    assert (tested["spam-1"]["spam_support"], tested["easy-ham-1"]["ham_support"]) == (5, 7)
    assert tested["hard-ham-1"]["ham_support"] == 3
    assert loaded.card.training["test_split"] == {"spam-1": 5, "easy-ham-1": 7, "hard-ham-1": 3}
    assert loaded.card.training["spamassassin_training_folders"] == ["easy-ham-2", "spam-2"]
    assert not any("ham-1" in key or "spam-1" in key for key in loaded.card.training["training"])


def test_without_cross_validation_the_default_threshold_is_kept(tiny_model):
    assert tiny_model.model.spam_threshold == SPAM_VETO


def test_reader_mail_is_trained_on_whole_with_its_priority_labels(tiny_corpus, tmp_path):
    written = tmp_path / "reader_mail"
    written.mkdir()
    rows = [{"id": f"rm-en-{i}", "group": f"rm-en-{i}", "language": "en", "category": "complaints",
             "priority": "high" if i % 2 else "normal", "subject": "s", "body": f"message {i}", "html": False}
            for i in range(4)]
    (written / "en.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    sources = Sources(corpus=tiny_corpus, reader_mail=written, other_mail=written)
    examples, held_out = sources.load()
    labelled = [training._urgent(e) for e in examples if e.source == "reader_mail"]
    unlabelled = [training._urgent(e) for e in examples if e.source == "other_mail"]
    assert labelled == [False, True, False, True]
    assert unlabelled == [None] * 4
    assert not any(e.source == "reader_mail" for e in held_out)


def _fitted(model):
    heads = [model.category_head, model.spam_head]
    return [(c.estimator.coef_, [(k.a_, k.b_) for k in c.calibrators])
            for head in heads for c in head.calibrated_classifiers_]


def test_fitting_the_folds_in_worker_processes_gives_the_sequential_model(tiny_corpus, tmp_path, monkeypatch):
    parallel = train(Sources(corpus=tiny_corpus), tmp_path / "parallel", folds=2)
    monkeypatch.setattr(training, "fitting_workers", lambda: 1)
    sequential = train(Sources(corpus=tiny_corpus), tmp_path / "sequential", folds=2)
    pairs = zip(_fitted(parallel.model), _fitted(sequential.model), strict=True)
    for (coef, calibrators), (coef_1, calibrators_1) in pairs:
        assert np.array_equal(coef, coef_1)
        assert calibrators == calibrators_1
    assert parallel.model.spam_threshold == sequential.model.spam_threshold
    assert parallel.card.training["cpu_seconds"] > 0

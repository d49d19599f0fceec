import dataclasses

import pytest
import skops.io as sio

from planetmail.settings import Settings
from processor import artifact
from processor.model import SPAM_VETO


class Gadget:
    """A type skops does not know: loading it would mean running its code."""


def _settings(tmp_path, **overrides):
    return Settings.load(environ={}, state_dir=tmp_path, **overrides)


def test_a_saved_model_loads_with_its_card(tiny_model, tmp_path):
    path = artifact.save(tiny_model.model, tiny_model.card, tmp_path)
    loaded = artifact.load(path)
    assert loaded.card == tiny_model.card
    texts = ["cancel my subscription", "win money"]
    assert (loaded.model.assess(texts).probabilities == tiny_model.model.assess(texts).probabilities).all()


def test_the_latest_build_is_resolved(tiny_model, tmp_path):
    settings = _settings(tmp_path)
    path = artifact.save(tiny_model.model, tiny_model.card, artifact.models_dir(settings))
    assert artifact.resolve(settings) == path
    assert artifact.resolve(settings, tiny_model.card.version) == path


def test_an_explicit_model_path_wins(tiny_model, tmp_path):
    settings = _settings(tmp_path, model_path=str(tiny_model.path))
    assert artifact.resolve(settings) == tiny_model.path


def test_no_model_says_how_to_build_one(tmp_path):
    with pytest.raises(artifact.ModelNotFoundError, match="run 'planetmail train'"):
        artifact.resolve(_settings(tmp_path))
    with pytest.raises(artifact.ModelNotFoundError, match="no model artifact"):
        artifact.resolve(_settings(tmp_path), "20990101T000000Z-deadbeef")


def test_an_artifact_with_untrusted_types_is_refused(tiny_model, tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({**tiny_model.model.parts(), "extra": Gadget()}, path)
    (tmp_path / "evil.json").write_text("{}", encoding="utf-8")
    with pytest.raises(artifact.UntrustedModelError, match="Gadget"):
        artifact.load(path)


def test_a_missing_card_is_a_clear_error(tiny_model, tmp_path):
    path = tmp_path / "lonely.skops"
    sio.dump(tiny_model.model.parts(), path)
    with pytest.raises(artifact.ModelNotFoundError, match=r"model card .*lonely\.json"):
        artifact.load(path)


def test_the_card_keeps_version_labels_and_metrics(tiny_model):
    card = dataclasses.asdict(tiny_model.card)
    assert card["labels"] == list(tiny_model.model.labels)
    assert set(card["metrics"]["held_out"]["macro_f1"]) >= {"all", "en", "es"}


def test_the_spam_threshold_is_saved_with_the_model(tiny_model, tmp_path):
    tuned = dataclasses.replace(tiny_model.model, spam_threshold=0.42)
    assert artifact.load(artifact.save(tuned, tiny_model.card, tmp_path)).model.spam_threshold == 0.42


def test_an_artifact_from_before_the_chosen_threshold_loads_with_the_default(tiny_model, tmp_path):
    tuned = dataclasses.replace(tiny_model.model, spam_threshold=0.42)
    path = artifact.save(tuned, tiny_model.card, tmp_path)
    parts = tiny_model.model.parts()
    del parts["spam_threshold"]
    sio.dump(parts, path)
    assert artifact.load(path).model.spam_threshold == SPAM_VETO


def test_a_model_of_an_older_format_is_refused_with_the_fix(tiny_model, tmp_path):
    old = dataclasses.replace(tiny_model.card, format=1)
    path = artifact.save(tiny_model.model, old, tmp_path)
    with pytest.raises(artifact.ModelNotFoundError, match=r"format 1 .* format 2; run 'planetmail train'"):
        artifact.load(path)

import pytest

from planetmail.settings import Settings
from processor import artifact
from processor.runtime import Models


@pytest.fixture
def settings(tiny_model, tmp_path):
    settings = Settings.load(environ={}, state_dir=tmp_path)
    artifact.save(tiny_model.model, tiny_model.card, artifact.models_dir(settings))
    return settings


def test_the_model_loads_once_and_is_reused(settings, tiny_model):
    models = Models(settings)
    first = models.classifier("")
    assert models.classifier("") is first
    assert first.version == tiny_model.card.version


def test_a_configured_version_is_loaded_by_name(settings, tiny_model):
    models = Models(settings)
    latest = models.classifier("")
    named = models.classifier(tiny_model.card.version)
    assert named.version == tiny_model.card.version
    assert named is not latest


def test_an_unknown_configured_version_falls_back_to_the_latest_build(settings, tiny_model):
    assert Models(settings).classifier("19990101T000000Z-00000000").version == tiny_model.card.version


def test_without_any_model_the_worker_fails_loudly(tmp_path):
    with pytest.raises(artifact.ModelNotFoundError, match="planetmail train"):
        Models(Settings.load(environ={}, state_dir=tmp_path)).classifier("")

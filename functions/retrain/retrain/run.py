"""One retraining: ``planetmail train --with-feedback`` then ``planetmail model promote``, unattended.

1. the training material (``retrain.material``) from the models folder, unpacked in a scratch folder;
2. every staff decision on ``mail.feedback`` (``retrain.feedback_topic``), added to the training split;
3. a candidate trained and added to the models folder (never ``LATEST``);
4. candidate and live model scored on the same test split and feedback set; the promotion gate
   (``retrain.promotion.refusal``) decides;
5. if not worse: ``model_version`` set in the live configuration (compare-and-set), announced on
   ``mail.events`` as ``config_changed`` with the figures in its note. Running processors load it at
   their next batch.

A refused candidate stays in the models folder: an operator can still promote it by hand
(``planetmail model promote VERSION --force``) after reading its card.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planetmail import codec, topics
from planetmail.config import config_source
from planetmail.config.stores import config_changed_event, opened_store, set_values
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from processor import artifact, model_store
from retrain import material
from retrain.feedback import with_feedback
from retrain.feedback_topic import latest_labels, read_decisions
from retrain.models_folder import MissingObjectError, ModelsFolder, models_folder
from retrain.promotion import Figures, refusal, score
from retrain.training import CV_FOLDS, Sources, train

log = logging.getLogger(__name__)
RETRAINER = "RetrainFunction"
"""How configuration changes name who made them (``detail.by`` of ``config_changed``)."""
ANNOUNCE_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Retraining:
    """What one run did, returned by the function and logged."""

    candidate: str
    live: str | None
    """None when nothing was live yet (a first deployment): the candidate is promoted unopposed."""
    candidate_figures: Figures
    live_figures: Figures | None
    feedback: dict[str, Any]
    refused: str | None
    config_version: int | None
    """The configuration version that made the candidate live; None when it was refused."""

    @property
    def promoted(self) -> bool:
        return self.config_version is not None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "promoted": self.promoted}


def retrain(settings: Settings, scratch: Path, folds: int = CV_FOLDS,
            progress: Callable[[str], None] = log.info) -> Retraining:
    folder = models_folder(settings)
    progress(f"fetching the training material from {folder.location}")
    sources = _material(folder, scratch)
    decisions = read_decisions(settings)
    candidate = _candidate(with_feedback(sources, decisions), scratch, folds, progress)
    progress(f"candidate {candidate.card.version} built; adding it to {folder.location}")
    folder.publish(candidate.path.parent)
    live = _live_model(settings)
    progress(f"scoring candidate {candidate.card.version} and the live model "
             f"{live.card.version if live else '(none)'}")
    tests, pairs = sources.test_sets(), latest_labels(decisions)
    ours = score(candidate.model, tests, pairs)
    theirs = score(live.model, tests, pairs) if live else None
    refused = refusal(ours, theirs) if theirs else None
    version = None if refused else _promote(settings, candidate.card.version, ours)
    return Retraining(candidate.card.version, live.card.version if live else None, ours, theirs,
                      candidate.card.training["feedback"], refused, version)


def _material(folder: ModelsFolder, scratch: Path) -> Sources:
    try:
        archive = folder.fetch(material.MATERIAL_KEY, scratch / "material.tar.gz")
    except MissingObjectError as exc:
        raise material.MaterialError(f"no training material: {exc}; upload it with "
                                     "'planetmail model upload-training'") from None
    return material.unpack(archive, scratch / "material")


def _candidate(sources: Sources, scratch: Path, folds: int,
               progress: Callable[[str], None]) -> artifact.LoadedModel:
    try:
        return train(sources, scratch / "models", folds=folds, progress=progress)
    except ValueError as exc:  # e.g. a category without examples
        raise material.MaterialError(f"the training material cannot train a model: {exc}; fix it and "
                                     "upload it again with 'planetmail model upload-training'") from None


def _live_model(settings: Settings) -> artifact.LoadedModel | None:
    """The model the processors serve: the configuration's ``model_version``, else the folder's latest;
    None when the folder has no model at all. A configured version that is missing is an error."""
    source = config_source(settings)
    try:
        version = source.current().model_version or ""
    finally:
        source.close()
    try:
        return artifact.load(model_store.locate(settings, version))
    except artifact.ModelNotFoundError:
        if version:
            raise
        return None


def _promote(settings: Settings, version: str, figures: Figures) -> int:
    with opened_store(settings) as store:
        config_version, before = set_values(store, {"model_version": version})
        location = store.location
    note = (f"retrained and promoted: newspaper macro-F1 {figures.newspaper_macro_f1}, spam-1 recall "
            f"{figures.spam_recall}, feedback accuracy {figures.feedback_accuracy} "
            f"(was {before['model_version']})")
    event = config_changed_event(config_version, location, {"model_version": version}, RETRAINER, note)
    producer = make_producer(settings)
    try:
        producer.send(settings.topic(topics.EVENTS), key=event.id.encode(),
                      value=codec.encode(event)).get(timeout=ANNOUNCE_TIMEOUT)
    finally:
        producer.close()
    return config_version

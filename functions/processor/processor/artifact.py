"""Model artifacts on disk: a skops file plus a JSON model card (version, labels, metrics).

skops never unpickles: loading refuses any type outside ``TRUSTED_TYPES``, the short explicit list
this model needs beyond what skops already trusts, so an artifact from a bucket cannot run code.

Layout under the models directory (``<state dir>/models`` unless ``PLANETMAIL_MODEL_PATH`` names a
file)::

    LATEST                       the version ``planetmail train`` built last
    <version>/model.skops
    <version>/model.json         its card (next to any artifact: same name, suffix .json)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Final

import skops.io as sio

from planetmail.settings import Settings
from processor.model import TriageModel

ARTIFACT_NAME: Final = "model.skops"
FORMAT: Final = 2
"""The artifact layout this code reads: 2 = eight labels (``other``) and the dense content block."""
LATEST_NAME: Final = "LATEST"
TRUSTED_TYPES: Final = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)


class ModelNotFoundError(FileNotFoundError):
    """No artifact where one was expected; the message says how to build it."""


class UntrustedModelError(ValueError):
    """The artifact holds types outside the trusted list; it is refused, never loaded."""


@dataclasses.dataclass(frozen=True)
class ModelCard:
    version: str
    labels: list[str]
    trained_at: str
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)
    training: dict[str, Any] = dataclasses.field(default_factory=dict)
    format: int = 1
    """``FORMAT`` of the code that built it (cards without one are from format 1)."""


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    model: TriageModel
    card: ModelCard
    path: Path


def models_dir(settings: Settings) -> Path:
    return settings.state_dir / "models"


def resolve(settings: Settings, version: str = "") -> Path:
    """The artifact file for ``version`` (empty: the configured file, else the latest build)."""
    if settings.model_path and not version:
        return _existing(Path(settings.model_path))
    root = models_dir(settings)
    if not version:
        latest = root / LATEST_NAME
        if not latest.is_file():
            raise ModelNotFoundError(f"no model has been trained in {root}; run 'planetmail train'")
        version = latest.read_text(encoding="utf-8").strip()
    return _existing(root / version / ARTIFACT_NAME)


def save(model: TriageModel, card: ModelCard, root: Path) -> Path:
    """Write the artifact and its card under ``root/<version>`` and make it the latest."""
    directory = root / card.version
    directory.mkdir(parents=True, exist_ok=True)
    sio.dump(model.parts(), directory / ARTIFACT_NAME)
    card_path = (directory / ARTIFACT_NAME).with_suffix(".json")
    card_path.write_text(json.dumps(dataclasses.asdict(card), indent=2), encoding="utf-8")
    (root / LATEST_NAME).write_text(card.version + "\n", encoding="utf-8")
    return directory / ARTIFACT_NAME


def load(path: Path) -> LoadedModel:
    untrusted = set(sio.get_untrusted_types(file=path))
    refused = untrusted - set(TRUSTED_TYPES)
    if refused:
        raise UntrustedModelError(f"{path} contains untrusted types {sorted(refused)}; refusing to load it")
    card = read_card(path)
    if card.format != FORMAT:
        raise ModelNotFoundError(f"the model at {path} has format {card.format} and this processor reads "
                                 f"format {FORMAT}; run 'planetmail train' to rebuild it")
    parts = sio.load(path, trusted=sorted(untrusted))
    return LoadedModel(TriageModel(**parts, labels=tuple(card.labels)), card, path)


def read_card(path: Path) -> ModelCard:
    card_path = path.with_suffix(".json")
    try:
        return ModelCard(**json.loads(card_path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelNotFoundError(f"model card {card_path} is missing or invalid ({exc}); "
                                 "run 'planetmail train' again") from exc


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise ModelNotFoundError(f"no model artifact at {path}; run 'planetmail train'")
    return path

"""``planetmail model compare|promote VERSION``: score a candidate beside the live model and make it live
only when it is not worse (``retrain.promotion`` defines "not worse").

The live model is the configuration's ``model_version``, else ``LATEST``. Promotion writes
``model_version`` to the pipeline configuration; running processors read it before every batch and load
the new model without a restart (``processor.runtime.Models``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from planetmail.settings import Settings
from planetmail_local.cli.config import change, current
from planetmail_local.cli.errors import UserError
from planetmail_local.cli.model import (
    _sources,
    corpus_option,
    newspaper_test_option,
    no_supplements_option,
    supplements_option,
)
from processor import artifact
from retrain.examples import CorpusError
from retrain.promotion import Figures, refusal, score
from retrain.training import Sources

console = Console(stderr=True)


@click.group()
def model() -> None:
    """Compare and promote trained models."""


def _scored(settings: Settings, version: str, sources: Sources, pairs: list[tuple[str, str]]) -> Figures:
    try:
        loaded = artifact.load(artifact.resolve(settings, version))
    except (artifact.ModelNotFoundError, artifact.UntrustedModelError) as exc:
        raise UserError(str(exc)) from None
    return score(loaded.model, sources.test_sets(), pairs)


def compare_figures(settings: Settings, candidate: str, sources: Sources) -> tuple[str, Figures, Figures]:
    """(live version, candidate's figures, live model's figures) on the same test sets and feedback."""
    from retrain.feedback_topic import FeedbackUnavailable, feedback_pairs

    live = str(current(settings).get("model_version") or "") or artifact.resolve(settings).parent.name
    try:
        pairs = feedback_pairs(settings)
    except FeedbackUnavailable:
        pairs = []
    with console.status(f"scoring {candidate} and the live model {live}"):
        return live, _scored(settings, candidate, sources, pairs), _scored(settings, live, sources, pairs)


def _row(name: str, figures: Figures) -> str:
    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"
    return (f"{name:<28} newspaper macro-F1 {shown(figures.newspaper_macro_f1)}  spam-1 recall "
            f"{shown(figures.spam_recall)}  feedback accuracy {shown(figures.feedback_accuracy)}")


def candidate_command(function: Callable[..., None]) -> click.Command:
    """A ``model`` subcommand taking VERSION and the test-material options of ``planetmail evaluate``."""
    for option in (newspaper_test_option, no_supplements_option, supplements_option, corpus_option,
                   click.argument("version")):
        function = option(function)
    return model.command()(function)


def _compared(version: str, corpus: Path | None, supplements: Path | None, use_supplements: bool,
              newspaper_test: Path | None) -> tuple[Settings, Figures, Figures]:
    """Both models scored, both rows printed: (settings, candidate's figures, live model's figures)."""
    settings = Settings.load()
    try:
        sources = _sources(settings, corpus, supplements, use_supplements, newspaper_test)
        live, candidate, live_figures = compare_figures(settings, version, sources)
    except CorpusError as exc:
        raise UserError(f"cannot compare: {exc}") from None
    click.echo(_row(f"candidate {version}", candidate))
    click.echo(_row(f"live {live}", live_figures))
    return settings, candidate, live_figures


@candidate_command
def compare(version: str, corpus: Path | None, supplements: Path | None, use_supplements: bool,
            newspaper_test: Path | None) -> None:
    """Print the candidate VERSION's figures beside the live model's."""
    _compared(version, corpus, supplements, use_supplements, newspaper_test)


@click.option("--force", is_flag=True, help="Promote even when worse (the config_changed event on "
                                            "mail.events notes the forced promotion and why).")
@candidate_command
def promote(version: str, corpus: Path | None, supplements: Path | None, use_supplements: bool,
            newspaper_test: Path | None, force: bool) -> None:
    """Make VERSION the live model when it is not worse than the current one."""
    settings, candidate, live_figures = _compared(version, corpus, supplements, use_supplements,
                                                  newspaper_test)
    refused = refusal(candidate, live_figures)
    if refused and not force:
        raise UserError(f"not promoted: {refused}; improve the model or pass --force")
    config_version = change(settings, [("model_version", version)],
                            note=f"forced promotion: {refused}" if refused else "")
    if refused:
        console.print(f"[yellow]forced promotion despite: {refused}[/yellow]")
    click.echo(f"configuration version {config_version}: model_version={version}"
               + (" (forced)" if refused else ""))


@model.command("upload-training")
@corpus_option
@supplements_option
@no_supplements_option
@newspaper_test_option
def upload_training(corpus: Path | None, supplements: Path | None, use_supplements: bool,
                    newspaper_test: Path | None) -> None:
    """Pack the training material (what 'planetmail train' reads) into the models folder, where the
    scheduled RetrainFunction reads it: s3://ModelBucket/ModelPrefix when a model bucket is configured."""
    import tempfile

    from retrain.material import MATERIAL_KEY, pack, require_corpus
    from retrain.models_folder import models_folder

    settings = Settings.load()
    try:
        sources = _sources(settings, corpus, supplements, use_supplements, newspaper_test)
        require_corpus(sources)
    except CorpusError as exc:
        raise UserError(f"cannot pack the training material: {exc}") from None
    with tempfile.TemporaryDirectory() as scratch, console.status("packing the training material"):
        archive = pack(sources, Path(scratch) / "material.tar.gz")
        size = archive.stat().st_size
        where = models_folder(settings).put(archive, MATERIAL_KEY)
    click.echo(f"{where} ({size / 1e6:.1f} MB)")

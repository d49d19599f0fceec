"""``planetmail train``, ``evaluate`` and ``classify``: build, score and try the triage model."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.cli.model_report import print_evaluation, print_summary, print_test_split
from planetmail_local.training.inputs import InputError, Item, read_path, read_source
from processor import artifact
from retrain import spamassassin
from retrain.examples import CorpusError
from retrain.training import CV_FOLDS, WRITTEN, Sources

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "data" / "corpus"
NEWSPAPER_TEST = REPO / "data" / "newspaper_test"
CLASSIFY_BATCH = 100

console = Console(stderr=True)


def _sources(settings: Settings, corpus: Path | None, supplements: Path | None, use_supplements: bool,
             newspaper_test: Path | None, with_feedback: bool = False) -> Sources:
    """The training and test material; the SpamAssassin corpus must be there unless refused."""
    root = None
    if use_supplements:
        root = supplements or spamassassin.installed_corpus(settings)
        spamassassin.require(root, {**spamassassin.TRAINING_FOLDERS, **spamassassin.TEST_FOLDERS})
    test_set = newspaper_test or NEWSPAPER_TEST
    sources = Sources(corpus=corpus or CORPUS, spamassassin=root,
                      newspaper_test=test_set if test_set.is_dir() else None)
    sources = sources.with_written(_written_folders() if corpus is None else {})
    return _with_feedback(settings, sources) if with_feedback else sources


def _written_folders() -> dict[str, Path]:
    """data/<name> for each hand-written training folder the repository has."""
    folders = {name: REPO / "data" / name for name in WRITTEN}
    return {name: folder for name, folder in folders.items() if folder.is_dir()}


def _with_feedback(settings: Settings, sources: Sources) -> Sources:
    """``sources`` plus the staff corrections on mail.feedback (the topic must be reachable)."""
    from retrain.feedback import with_feedback
    from retrain.feedback_topic import FeedbackUnavailable, read_decisions

    try:
        decisions = read_decisions(settings)
    except FeedbackUnavailable as exc:
        raise UserError(f"cannot read the feedback: {exc}") from None
    sources = with_feedback(sources, decisions)
    facts = sources.feedback_facts
    console.print(f"feedback: {facts['examples']} corrected messages from {facts['decisions']} decisions, "
                  f"weight {facts['weight']}")
    return sources


corpus_option = click.option("--corpus", type=click.Path(file_okay=False, path_type=Path),
                             help="Folder of labelled *.jsonl files [default: data/corpus].")
supplements_option = click.option(
    "--spamassassin", "supplements", type=click.Path(file_okay=False, path_type=Path),
    help="SpamAssassin data folder (spam-1, spam-2, easy-ham-1, easy-ham-2, hard-ham-1) "
         "[default: the npm package 'planetmail up' installs in the cache].")
no_supplements_option = click.option(
    "--no-spamassassin", "use_supplements", flag_value=False, default=True,
    help="Train and score on the Daily Planet corpus alone (a weaker model: no real mail).")
newspaper_test_option = click.option(
    "--newspaper-test", type=click.Path(file_okay=False, path_type=Path),
    help="Independent newspaper test set (*.jsonl) [default: data/newspaper_test].")


@click.command()
@corpus_option
@supplements_option
@no_supplements_option
@newspaper_test_option
@click.option("--folds", default=CV_FOLDS, show_default=True, type=click.IntRange(min=0),
              help="Cross-validation folds by group (0 skips cross-validation).")
@click.option("--if-missing", is_flag=True, help="Do nothing when a model is already installed.")
@click.option("--with-feedback", is_flag=True,
              help="Add the staff corrections on mail.feedback to the training split (newest label wins, "
                   "deduplicated, human_review left out, each weighted by repetition).")
def train(corpus: Path | None, supplements: Path | None, use_supplements: bool, newspaper_test: Path | None,
          folds: int, if_missing: bool, with_feedback: bool) -> None:
    """Train the classifier on the training split and save it under .planetmail/models."""
    from retrain.training import train as train_model

    settings = Settings.load()
    if if_missing and _installed(settings):
        console.print(f"model already installed: {artifact.resolve(settings)}")
        return
    try:
        sources = _sources(settings, corpus, supplements, use_supplements, newspaper_test, with_feedback)
        with console.status("training") as status:
            loaded = train_model(sources, artifact.models_dir(settings), folds=folds, progress=status.update)
    except (CorpusError, ValueError) as exc:
        raise UserError(f"cannot train: {exc}") from None
    print_summary(console, loaded.card)
    click.echo(str(loaded.path))


@click.command()
@corpus_option
@supplements_option
@no_supplements_option
@newspaper_test_option
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path),
              help="PNG of the confusion matrices [default: .planetmail/reports/confusion-<version>.png].")
@click.option("--benchmark", "run_benchmark", is_flag=True,
              help="Also measure load time, messages per second per core and memory, beside a bare "
                   "TF-IDF + LinearSVC baseline trained and timed in the same run.")
def evaluate(corpus: Path | None, supplements: Path | None, use_supplements: bool,
             newspaper_test: Path | None, png: Path | None, run_benchmark: bool) -> None:
    """Score the installed model: the corpus's held-out split, the SpamAssassin test split (spam-1,
    easy-ham-1, hard-ham-1) and the independent newspaper test set, each reported on its own."""
    from planetmail_local.training.plots import save_confusion_png
    from retrain.evaluation import evaluate as score
    from retrain.evaluation import test_split_report

    settings = Settings.load()
    loaded = _load(settings)
    try:
        sources = _sources(settings, corpus, supplements, use_supplements, newspaper_test)
        training, held_out = sources.load()
        tests = sources.test_sets()
    except CorpusError as exc:
        raise UserError(f"cannot evaluate: {exc}") from None
    tested = sum(map(len, tests.values()))
    with console.status(f"scoring {len(held_out)} held-out and {tested} test messages"):
        evaluation = score(loaded.model, held_out)
        report = test_split_report(loaded.model, tests)
    print_evaluation(evaluation.to_dict(), "corpus held-out split (phrase generator)")
    print_test_split(report)
    target = png or settings.state_dir / "reports" / f"confusion-{loaded.card.version}.png"
    console.print(f"confusion matrices: {save_confusion_png(evaluation, target, loaded.card.version)}")
    if run_benchmark:
        from planetmail_local.training.benchmark import print_benchmark

        print_benchmark(loaded.path, training, [e.mail for e in held_out] + [
            e.mail for examples in tests.values() for e in examples])


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--explain", is_flag=True,
              help="Add the reasons, signals and top features behind each decision.")
@click.option("--threshold", type=click.FloatRange(0, 1), help="Confidence below which it is human_review.")
@click.option("--default-language", type=click.Choice(["en", "es"]), help="Language when undecidable.")
def classify(sources: tuple[str, ...], explain: bool, threshold: float | None,
             default_language: str | None) -> None:
    """Classify FILE.eml, a DIR of messages, JSON lines, or - (stdin); print one JSON line each.

    Raw RFC 822 messages are read with their headers (bulk-mail, authentication); JSON lines give
    subject, body (html: true when it is HTML) and optionally headers and provider_verdicts.
    """
    from processor.classifier import Classifier

    overrides = {k: v for k, v in (("confidence_threshold", threshold),
                                    ("default_language", default_language)) if v is not None}
    config = PipelineConfig(**overrides)
    classifier = Classifier(_load(Settings.load()))
    batch: list[Item] = []
    try:
        for item in _items(sources):
            batch.append(item)
            if len(batch) == CLASSIFY_BATCH:
                _classify_batch(classifier, batch, config, explain)
                batch = []
    except InputError as exc:
        raise UserError(str(exc)) from None
    _classify_batch(classifier, batch, config, explain)


def _items(sources: Iterable[str]) -> Iterator[Item]:
    for source in sources:
        if source == "-":
            yield from read_source("stdin", sys.stdin.buffer.read())
        else:
            yield from read_path(Path(source))


def _classify_batch(classifier: Any, batch: list[Item], config: PipelineConfig, explain: bool) -> None:
    from planetmail_local.training.explain import top_features

    mails = [item.mail for item in batch]
    for item, decision in zip(batch, classifier.decide(mails, config), strict=True):
        answer: dict[str, Any] = {**item.label, **decision.classification.model_dump(
            include={"category", "confidence", "language", "priority"})}
        answer["detected_language"] = decision.detected_language
        if explain:
            shown = classifier.model.predict([item.mail])[0]
            answer |= {"reasons": list(decision.reasons), "signals": decision.signals.to_dict(),
                       "top_features": {shown: top_features(classifier.model, item.mail, shown)}}
        click.echo(json.dumps(answer, ensure_ascii=False))


def _installed(settings: Settings) -> bool:
    """A model this code can load is installed (an older format is rebuilt)."""
    try:
        return artifact.read_card(artifact.resolve(settings)).format == artifact.FORMAT
    except artifact.ModelNotFoundError:
        return False


def _load(settings: Settings) -> artifact.LoadedModel:
    try:
        return artifact.load(artifact.resolve(settings))
    except (artifact.ModelNotFoundError, artifact.UntrustedModelError) as exc:
        raise UserError(str(exc)) from None

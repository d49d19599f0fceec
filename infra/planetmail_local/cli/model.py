"""``planetmail train``, ``evaluate`` and ``classify``: build, score and try the triage model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table

from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.paths import CHECKOUT, shared_dir
from processor import artifact
from processor.corpus import CorpusError, split
from processor.text import message_text
from processor.training import CV_FOLDS, Sources

QUALITY_BARS = {"macro_f1": 0.90, "spam_recall": 0.95, "ham_flagged_spam": 0.01}
CLASSIFY_BATCH = 100

console = Console(stderr=True)


def _sources(settings: Settings, corpus: Path | None, supplements: Path | None,
             use_supplements: bool) -> Sources:
    spamassassin = supplements or shared_dir() / "data" / "spamassassin"
    return Sources(corpus=corpus or CHECKOUT / "data" / "corpus",
                   spamassassin=spamassassin if use_supplements and spamassassin.is_dir() else None)


corpus_option = click.option("--corpus", type=click.Path(file_okay=False, path_type=Path),
                             help="Folder of labelled *.jsonl files [default: data/corpus].")
supplements_option = click.option(
    "--spamassassin", "supplements", type=click.Path(file_okay=False, path_type=Path),
    help="SpamAssassin folder with spam-2/ and easy-ham-2/ [default: ../shared/data/spamassassin].")
no_supplements_option = click.option("--no-spamassassin", "use_supplements", flag_value=False, default=True,
                                     help="Train and score on the Daily Planet corpus alone.")


@click.command()
@corpus_option
@supplements_option
@no_supplements_option
@click.option("--folds", default=CV_FOLDS, show_default=True, type=click.IntRange(min=0),
              help="Cross-validation folds by group (0 skips cross-validation).")
@click.option("--if-missing", is_flag=True, help="Do nothing when a model is already installed.")
def train(corpus: Path | None, supplements: Path | None, use_supplements: bool, folds: int,
          if_missing: bool) -> None:
    """Train the classifier on the training split and save it under .planetmail/models."""
    from processor.training import train as train_model

    settings = Settings.load()
    if if_missing and _installed(settings):
        console.print(f"model already installed: {artifact.resolve(settings)}")
        return
    sources = _sources(settings, corpus, supplements, use_supplements)
    try:
        with console.status("training") as status:
            loaded = train_model(sources, artifact.models_dir(settings), folds=folds,
                                 progress=status.update)
    except (CorpusError, ValueError) as exc:
        raise UserError(f"cannot train: {exc}") from None
    _print_summary(loaded.card)
    click.echo(str(loaded.path))


@click.command()
@corpus_option
@supplements_option
@no_supplements_option
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path),
              help="PNG of the confusion matrices [default: .planetmail/reports/confusion-<version>.png].")
@click.option("--benchmark", "run_benchmark", is_flag=True,
              help="Also print load time, messages per second per core (batches of 100) and memory.")
def evaluate(corpus: Path | None, supplements: Path | None, use_supplements: bool, png: Path | None,
             run_benchmark: bool) -> None:
    """Score the installed model on the held-out split: per class, per language, spam bars."""
    from processor.evaluation import evaluate as score
    from processor.plots import save_confusion_png

    settings = Settings.load()
    loaded = _load(settings)
    try:
        _, held_out = split(_sources(settings, corpus, supplements, use_supplements).load())
    except CorpusError as exc:
        raise UserError(f"cannot evaluate: {exc}") from None
    with console.status(f"scoring {len(held_out)} held-out messages"):
        evaluation = score(loaded.model, held_out)
    _print_evaluation(evaluation.to_dict())
    target = png or settings.state_dir / "reports" / f"confusion-{loaded.card.version}.png"
    console.print(f"confusion matrices: {save_confusion_png(evaluation, target, loaded.card.version)}")
    if run_benchmark:
        _print_benchmark(loaded.path, [e.text for e in held_out],
                         evaluation.macro_f1)


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"))
@click.option("--threshold", type=click.FloatRange(0, 1), help="Confidence below which it is human_review.")
@click.option("--default-language", type=click.Choice(["en", "es"]), help="Language when undecidable.")
def classify(source: IO[str], threshold: float | None, default_language: str | None) -> None:
    """Classify JSON lines with subject and body (FILE, or - for stdin); print JSON lines."""
    from processor.classifier import Classifier

    overrides = {k: v for k, v in (("confidence_threshold", threshold),
                                    ("default_language", default_language)) if v is not None}
    config = PipelineConfig(**overrides)
    classifier = Classifier(_load(Settings.load()))
    batch: list[dict[str, Any]] = []
    for document in _documents(source):
        batch.append(document)
        if len(batch) == CLASSIFY_BATCH:
            _classify_batch(classifier, batch, config)
            batch = []
    _classify_batch(classifier, batch, config)


def _documents(source: IO[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"line {number} is not JSON ({exc.msg}); give one JSON object per line") from None
        if not isinstance(document, dict):
            raise UserError(f"line {number} is not a JSON object; give objects with subject and body")
        yield document


def _classify_batch(classifier: Any, batch: list[dict[str, Any]], config: PipelineConfig) -> None:
    texts = [message_text(str(d.get("subject") or ""), str(d.get("body") or ""), d.get("html") or None)
             for d in batch]
    for document, result in zip(batch, classifier.classify(texts, config), strict=True):
        answer = result.model_dump(include={"category", "confidence", "language", "priority"})
        if "id" in document:
            answer = {"id": document["id"], **answer}
        click.echo(json.dumps(answer, ensure_ascii=False))


def _installed(settings: Settings) -> bool:
    try:
        artifact.resolve(settings)
    except artifact.ModelNotFoundError:
        return False
    return True


def _load(settings: Settings) -> artifact.LoadedModel:
    try:
        return artifact.load(artifact.resolve(settings))
    except (artifact.ModelNotFoundError, artifact.UntrustedModelError) as exc:
        raise UserError(str(exc)) from None


def _bar(value: float, bar: float, higher_is_better: bool = True) -> str:
    met = value >= bar if higher_is_better else value <= bar
    return f"{value:.3f} [{'green' if met else 'red'}]({'meets' if met else 'misses'} {bar:g})[/]"


def _print_summary(card: artifact.ModelCard) -> None:
    held_out = card.metrics["held_out"]
    console.print(f"model {card.version} trained in {card.training['seconds']} s")
    for language, score in held_out["macro_f1"].items():
        console.print(f"  held-out macro-F1 {language}: {_bar(score, QUALITY_BARS['macro_f1'])}")
    cross = card.metrics.get("cross_validation", {}).get("macro_f1", {})
    for language, score in cross.items():
        console.print(f"  cross-validation macro-F1 {language}: {score['mean']:.3f} ± {score['stdev']:.3f}")
    _print_spam(held_out["spamassassin"])


def _print_spam(spam: dict[str, float]) -> None:
    if spam["spam_support"]:
        console.print(f"  SpamAssassin spam recall: {_bar(spam['spam_recall'], QUALITY_BARS['spam_recall'])} "
                      f"({spam['spam_support']} held out); ham called spam: "
                      f"{_bar(spam['ham_flagged_spam'], QUALITY_BARS['ham_flagged_spam'], False)} "
                      f"({spam['ham_support']} held out)")


def _print_evaluation(evaluation: dict[str, Any]) -> None:
    out = Console()
    labels = evaluation["labels"]
    for language, classes in evaluation["per_class"].items():
        table = Table(title=f"{language}: macro-F1 {_bar(evaluation['macro_f1'][language], 0.90)}")
        for column in ("category", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for label in labels:
            s = classes[label]
            table.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                          str(s["support"]))
        out.print(table)
        out.print(_confusion_table(language, labels, evaluation["confusion"][language]))
    _print_spam(evaluation["spamassassin"])
    rules = evaluation["priority"]
    console.print(f"  priority (rules + learned) vs labels: precision {rules['precision']:.3f}, "
                  f"recall {rules['recall']:.3f} ({rules['high_support']} high)")


def _confusion_table(language: str, labels: list[str], rows: list[list[int]]) -> Table:
    table = Table(title=f"{language}: confusion (rows true, columns predicted)")
    table.add_column("")
    for label in labels:
        table.add_column(label[:8], justify="right")
    for i, (label, row) in enumerate(zip(labels, rows, strict=True)):
        table.add_row(label, *(f"[bold]{n}[/]" if i == j else str(n or ".") for j, n in enumerate(row)))
    return table


def _print_benchmark(path: Path, texts: list[str], macro_f1: dict[str, float]) -> None:
    from processor.benchmark import benchmark

    rounds = max(1, 2000 // max(1, len(texts)))
    with console.status("benchmarking"):
        result = benchmark(path, texts, rounds=rounds)
    click.echo(f"model load (artifact + language models): {result.load_seconds:.2f} s")
    click.echo(f"classified {result.messages} messages in batches of {result.batch_size}: "
               f"{result.per_core_rate:.0f} msg/s per core ({result.wall_rate:.0f} msg/s wall)")
    click.echo(f"resident memory: {result.resident_mb:.0f} MB")
    for language, score in macro_f1.items():
        click.echo(f"macro-F1 {language}: {score:.3f}")

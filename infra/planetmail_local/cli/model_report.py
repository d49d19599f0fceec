"""How ``planetmail train`` and ``evaluate`` print scores: tables per language, the real-mail bars
(issue targets) green when met and red when missed."""

from __future__ import annotations

from typing import Any, Final

from rich.console import Console
from rich.table import Table

from processor.artifact import ModelCard

MACRO_F1_BAR: Final = 0.90
SPAM_RECALL_BAR: Final = 0.97
HAM_SPAM_BARS: Final = {"easy-ham-1": 0.01, "hard-ham-1": 0.05}
HAM_ACKNOWLEDGED_BAR: Final = 0.05
PRIORITY_BAR: Final = 0.7


def bar(value: float, target: float, higher_is_better: bool = True) -> str:
    met = value >= target if higher_is_better else value <= target
    return f"{value:.3f} [{'green' if met else 'red'}]({'meets' if met else 'misses'} {target:g})[/]"


def print_summary(console: Console, card: ModelCard) -> None:
    console.print(f"model {card.version} trained in {card.training['seconds']} s")
    for language, score in card.metrics["held_out"]["macro_f1"].items():
        console.print(f"  corpus held-out macro-F1 {language}: {score:.3f}")
    cross = card.metrics.get("cross_validation", {})
    for language, score in cross.get("macro_f1", {}).items():
        console.print(f"  cross-validation macro-F1 {language}: {score['mean']:.3f} ± {score['stdev']:.3f}")
    if cross.get("spam"):
        spam = cross["spam"]
        console.print(f"  cross-validation (spam-2, easy-ham-2): spam threshold {spam['threshold']}, "
                      f"spam recall {spam['spam_recall']:.3f}, "
                      f"ham called spam {spam['ham_flagged_spam']:.4f}")
    print_test_split(card.metrics.get("test_split", {}), console)


def print_test_split(report: dict[str, Any], console: Console | None = None) -> None:
    out = console or Console()
    for name, scores in report.items():
        if name == "newspaper_test":
            _print_newspaper(out, scores)
        elif scores["spam_support"]:
            out.print(f"  test {name}: spam recall {bar(scores['spam_recall'], SPAM_RECALL_BAR)} "
                      f"({scores['spam_support']} messages)")
        elif scores["ham_support"]:
            spam_bar = HAM_SPAM_BARS.get(name, 0.01)
            out.print(f"  test {name}: called spam {bar(scores['ham_flagged_spam'], spam_bar, False)}, "
                      f"acknowledged "
                      f"{bar(scores['ham_acknowledged'], HAM_ACKNOWLEDGED_BAR, False)}, other "
                      f"{scores['ham_other']:.3f} ({scores['ham_support']} messages)")


def _print_newspaper(out: Console, scores: dict[str, Any]) -> None:
    for language, score in scores["macro_f1"].items():
        out.print(f"  test newspaper set macro-F1 {language}: {bar(score, MACRO_F1_BAR)}")
    priority = scores["priority"]
    out.print(f"  test newspaper set priority: precision {bar(priority['precision'], PRIORITY_BAR)}, "
              f"recall {bar(priority['recall'], PRIORITY_BAR)} ({priority['high_support']} high)")
    print_tables(out, scores, "newspaper test set")


def print_evaluation(evaluation: dict[str, Any], title: str) -> None:
    out = Console()
    for language, score in evaluation["macro_f1"].items():
        out.print(f"{title} macro-F1 {language}: {score:.3f}")
    print_tables(out, evaluation, title)
    priority = evaluation["priority"]
    out.print(f"{title} priority: precision {priority['precision']:.3f}, recall {priority['recall']:.3f} "
              f"({priority['high_support']} high)")


def print_tables(out: Console, scores: dict[str, Any], title: str) -> None:
    labels = scores["labels"]
    for language, classes in scores["per_class"].items():
        if language == "all" or not classes:
            continue
        table = Table(title=f"{title}, {language}")
        for column in ("category", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for label, s in classes.items():
            table.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                          str(s["support"]))
        out.print(table)
        out.print(_confusion_table(f"{title}, {language}", labels, scores["confusion"][language]))


def _confusion_table(title: str, labels: list[str], rows: list[list[int]]) -> Table:
    table = Table(title=f"{title}: confusion (rows true, columns decided)")
    table.add_column("")
    for label in labels:
        table.add_column(label[:8], justify="right")
    for i, (label, row) in enumerate(zip(labels, rows, strict=True)):
        if any(row):
            table.add_row(label, *(f"[bold]{n}[/]" if i == j else str(n or ".") for j, n in enumerate(row)))
    return table

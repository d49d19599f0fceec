"""The confusion matrices as a PNG, one panel per language (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from retrain.evaluation import Evaluation


def save_confusion_png(evaluation: Evaluation, path: Path, title: str) -> Path:
    panels = {name: rows for name, rows in evaluation.confusion.items() if rows}
    figure, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 6), squeeze=False)
    for axis, (name, rows) in zip(axes[0], panels.items(), strict=True):
        axis.imshow(rows, cmap="Blues")
        axis.set_title(f"{name}: macro-F1 {evaluation.macro_f1[name]:.3f}")
        ticks = range(len(evaluation.labels))
        axis.set_xticks(ticks, evaluation.labels, rotation=45, ha="right")
        axis.set_yticks(ticks, evaluation.labels)
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        peak = max(max(row) for row in rows) or 1
        for i, row in enumerate(rows):
            for j, count in enumerate(row):
                axis.text(j, i, str(count), ha="center", va="center",
                          color="white" if count > peak / 2 else "black")
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

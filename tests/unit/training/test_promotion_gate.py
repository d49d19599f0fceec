"""The promotion gate's definition of "not worse" (pure logic)."""

from __future__ import annotations

from retrain.promotion import Figures, accuracy, refusal

LIVE = Figures(newspaper_macro_f1=0.90, spam_recall=0.95, feedback_accuracy=0.5)


def test_equal_or_within_tolerance_passes() -> None:
    assert refusal(LIVE, LIVE) is None
    assert refusal(Figures(0.895, 0.945, 0.5), LIVE) is None


def test_each_figure_can_refuse_and_is_named() -> None:
    assert "macro-F1 0.880" in (refusal(Figures(0.88, 0.95, 0.5), LIVE) or "")
    assert "spam recall 0.930" in (refusal(Figures(0.90, 0.93, 0.5), LIVE) or "")
    assert "feedback-set accuracy 0.499" in (refusal(Figures(0.90, 0.95, 0.499), LIVE) or "")


def test_missing_figures_are_not_compared() -> None:
    assert refusal(Figures(None, None, 0.5), LIVE) is None
    assert refusal(Figures(0.5, 0.5, 0.5), Figures(None, None, None)) is None


def test_figures_from_a_test_split_report() -> None:
    report = {"newspaper_test": {"macro_f1": {"en": 0.8, "es": 0.6}}, "spam-1": {"spam_recall": 0.9}}
    assert Figures.from_report(report, accuracy(["a", "b"], ["a", "c"])) == Figures(0.7, 0.9, 0.5)
    assert Figures.from_report({}, accuracy([], [])) == Figures(None, None, None)

"""mail.feedback as training pairs: one per message, the newest label wins, only learnable labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retrain.feedback_topic import Decision, latest_labels

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def decision(tracking_id: str, label: str, text: str, minutes: int, offset: int = 0) -> Decision:
    return Decision(tracking_id, label, text, T0 + timedelta(minutes=minutes), (0, offset))


def test_the_newest_decision_on_a_message_wins_whatever_order_they_are_read_in() -> None:
    decisions = [decision("A", "complaints", "Paper late", 5, 3),
                 decision("A", "questions", "Paper late", 1, 1), decision("B", "praise", "Thanks!", 2, 2)]
    assert latest_labels(decisions) == [("Thanks!", "praise"), ("Paper late", "complaints")]


def test_same_instant_is_decided_by_the_offset() -> None:
    decisions = [decision("A", "spam", "Win", 1, 9), decision("A", "advertising", "Win", 1, 4)]
    assert latest_labels(decisions) == [("Win", "spam")]


def test_human_review_and_empty_texts_are_not_training_data() -> None:
    decisions = [decision("A", "complaints", "Late", 1), decision("A", "human_review", "Late", 2),
                 decision("B", "praise", "  ", 1), decision("C", "questions", "Price?", 3)]
    assert latest_labels(decisions) == [("Price?", "questions")]


def test_identical_texts_keep_the_newer_decisions_label() -> None:
    decisions = [decision("A", "questions", "Stop my paper", 1),
                 decision("B", "subscriptions", "Stop my paper", 2)]
    assert latest_labels(decisions) == [("Stop my paper", "subscriptions")]

from processor.corpus import Example
from processor.evaluation import evaluate, priority_scores, spam_scores


def _example(category, source="corpus", priority="normal", text="x", language="en"):
    return Example(
        text=text, category=category, group=text, language=language, priority=priority, source=source
    )


def test_spam_scores_are_recall_on_spam_and_false_alarms_on_ham():
    pairs = [
        (_example("spam"), "spam"),
        (_example("spam"), "spam"),
        (_example("spam"), "praise"),
        (_example(None), "questions"),
        (_example(None), "spam"),
        (_example(None), "praise"),
        (_example(None), "praise"),
    ]
    scores = spam_scores(pairs)
    assert scores["spam_recall"] == 2 / 3
    assert scores["ham_flagged_spam"] == 1 / 4
    assert (scores["spam_support"], scores["ham_support"]) == (3, 4)


def test_spam_scores_without_examples_are_zero():
    assert spam_scores([])["spam_recall"] == 0.0


def test_priority_is_scored_against_the_labels():
    examples = [
        (_example("complaints", priority="high", text="This is unacceptable"), 0.0),
        (_example("complaints", priority="high", text="the paper is late"), 0.0),
        (_example("praise", priority="normal", text="URGENT thanks"), 0.0),
        (_example("praise", priority="normal", text="thanks"), 0.0),
        (_example("complaints", priority="high", text="card stolen, stop payments"), 0.9),
    ]
    scores = priority_scores(examples)
    assert scores["precision"] == 2 / 3
    assert scores["recall"] == 2 / 3
    assert scores["high_support"] == 3


def test_evaluate_reports_each_language_and_keeps_supplements_apart(tiny_model):
    examples = [
        _example("subscriptions", text="Please cancel my subscription from next month"),
        _example("spam", text="You have won a million dollars click here to claim"),
        _example(
            "subscriptions", text="Quiero cancelar mi suscripción desde el mes que viene", language="es"
        ),
        _example("spam", source="spamassassin", text="Cheap pills online no prescription needed"),
        _example(None, source="spamassassin", text="Meeting notes for the kernel list"),
    ]
    result = evaluate(tiny_model.model, examples)
    assert set(result.macro_f1) == {"all", "en", "es"}
    assert result.per_class["en"]["subscriptions"]["support"] == 1
    assert sum(map(sum, result.confusion["all"])) == 3
    assert result.spamassassin["spam_support"] == 1
    assert result.spamassassin["ham_support"] == 1

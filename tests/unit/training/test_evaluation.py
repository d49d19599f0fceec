from processor.mail import plain
from retrain.evaluation import evaluate, priority_scores, real_mail_scores
from retrain.examples import Example


def _example(category, source="corpus", priority="normal", text="x", language="en"):
    return Example(
        mail=plain("", text), category=category, group=text, language=language, priority=priority,
        source=source,
    )


def test_real_mail_scores_are_spam_recall_and_what_happens_to_ham():
    pairs = [
        (_example("spam"), "spam"),
        (_example("spam"), "spam"),
        (_example("spam"), "praise"),
        (_example("other"), "questions"),
        (_example("other"), "spam"),
        (_example("other"), "other"),
        (_example("other"), "human_review"),
    ]
    scores = real_mail_scores(pairs)
    assert scores["spam_recall"] == 2 / 3
    assert scores["spam_acknowledged"] == 1 / 3  # the one called praise would be answered
    assert scores["ham_flagged_spam"] == 1 / 4
    assert scores["ham_other"] == 1 / 4
    assert scores["ham_acknowledged"] == 2 / 4  # questions and human_review would be answered
    assert (scores["spam_support"], scores["ham_support"]) == (3, 4)


def test_real_mail_scores_without_examples_are_zero():
    assert real_mail_scores([])["spam_recall"] == 0.0


def test_priority_is_scored_against_the_labels():
    examples = [
        (_example("complaints", priority="high"), "high"),
        (_example("complaints", priority="high"), "normal"),
        (_example("praise", priority="normal"), "high"),
        (_example("praise", priority="normal"), "normal"),
        (_example("complaints", priority="high"), "high"),
    ]
    scores = priority_scores(examples)
    assert scores["precision"] == 2 / 3
    assert scores["recall"] == 2 / 3
    assert scores["high_support"] == 3


def test_evaluate_reports_each_language_and_keeps_real_mail_apart(tiny_model):
    examples = [
        _example("subscriptions", text="Please cancel my subscription from next month"),
        _example("spam", text="You have won a million dollars click here to claim"),
        _example("subscriptions", text="Quiero cancelar mi suscripción desde el mes que viene",
                 language="es"),
        _example("spam", source="spamassassin:spam-1", text="Cheap pills online no prescription needed"),
        _example("other", source="spamassassin:easy-ham-1", text="Meeting notes for the kernel list"),
    ]
    result = evaluate(tiny_model.model, examples)
    assert set(result.macro_f1) == {"all", "en", "es"}
    assert result.per_class["en"]["subscriptions"]["support"] == 1
    assert sum(map(sum, result.confusion["all"])) == 3
    assert result.real_mail["spam_support"] == 1
    assert result.real_mail["ham_support"] == 1
    assert result.labels[-2:] == ["other", "human_review"]

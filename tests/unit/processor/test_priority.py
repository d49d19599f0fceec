import pytest

from processor.priority import priority_cues, priority_of


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Please fix this urgently", "urgency"),
        ("I need an answer ASAP", "urgency"),
        ("Es urgente, necesito la factura", "urgency"),
        ("Contésteme inmediatamente", "urgency"),
        ("My lawyer will hear about this", "legal"),
        ("I will take legal action", "legal"),
        ("Hablaré con mi abogado", "legal"),
        ("Presentaré una denuncia", "legal"),
        ("This is unacceptable", "anger"),
        ("Es inaceptable y una verguenza", "anger"),
        ("Es una vergüenza", "anger"),
        ("Where is my paper!!!", "anger"),
        ("WHERE IS MY NEWSPAPER THIS MORNING", "anger"),
    ],
)
def test_cues_make_a_message_high_priority(text, cue):
    assert cue in priority_cues(text)
    assert priority_of(text, "complaints") == "high"


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for the lovely article",
        "How much is a weekend subscription?",
        "",
        "OK",
    ],
)
def test_ordinary_messages_are_normal(text):
    assert priority_of(text, "questions") == "normal"


@pytest.mark.parametrize("text", ["This is the third time the paper is missing",
                                  "Es la tercera vez que pasa"])
def test_repetition_alone_is_a_cue_but_not_high(text):
    assert priority_cues(text) == ["repeated"]
    assert priority_of(text, "complaints") == "normal"
    assert priority_of(f"{text}. Unacceptable!", "complaints") == "high"


def test_spam_is_never_high_priority():
    assert priority_of("URGENT!!! your account will be closed immediately", "spam") == "normal"


def test_the_learned_probability_can_raise_priority_without_a_cue():
    assert priority_of("My card was stolen, stop the payments", "subscriptions", 0.7) == "high"
    assert priority_of("My card was stolen, stop the payments", "subscriptions", 0.3) == "normal"
    assert priority_of("Claim your prize", "spam", 0.99) == "normal"

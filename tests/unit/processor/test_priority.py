import pytest

from processor.priority import priority_cues, priority_of


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Please fix this urgently", "urgency"),
        ("Es urgente, necesito la factura", "urgency"),
        ("Contésteme inmediatamente", "urgency"),
        ("My lawyer will hear about this", "legal"),
        ("I will take legal action", "legal"),
        ("Voy a demandarles y hablaré con el juzgado", "legal"),
        ("I've asked my bank for a chargeback", "legal"),
        ("There's a fire at the mill right now", "breaking"),
        ("Acaban de cerrar el puente por grietas", "breaking"),
        ("You published our home address and my partner is a victim", "privacy"),
        ("Pusieron la foto de mi hijo sin permiso", "privacy"),
        ("Please cancel before tomorrow's payment", "deadline"),
        ("Retiren el anuncio esta noche", "deadline"),
        ("Where is my paper!!!", "shouting"),
        ("WHERE IS MY NEWSPAPER THIS MORNING", "shouting"),
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


@pytest.mark.parametrize(
    "text",
    [
        "Please cancel my subscription effective immediately.",
        "Quiero cancelar con efecto inmediato.",
        "La demanda en el banco de alimentos subió un 40 %.",
        "Como abogado leo su crónica de tribunales.",
        "Your editorial was disgraceful.",
        "Es inaceptable y una vergüenza",
        "Free quotes - 24hr emergency call-out",
    ],
)
def test_words_that_are_ambiguous_alone_are_not_high(text):
    """Cues whose training-split precision was below 0.65 (see ``TRIGGERS``) decide nothing alone."""
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

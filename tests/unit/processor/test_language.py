import pytest

from processor.language import detect_languages, short_text_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I would like to cancel my subscription from next month, thank you", "en"),
        ("Quiero cancelar mi suscripción a partir del mes que viene, gracias", "es"),
        ("Quiero cancelar mi suscripcion a partir del mes que viene gracias", "es"),  # no accents
        ("The paper arrived wet again and nobody answers the phone", "en"),
    ],
)
def test_long_texts_are_detected_by_lingua(text, expected):
    assert detect_languages([text], "en") == [expected]
    assert detect_languages([text], "es") == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gracias!", "es"),
        ("¿Precio?", "es"),
        ("Hola", "es"),
        ("Thanks!", "en"),
        ("Unsubscribe", "en"),
    ],
)
def test_short_texts_are_decided_by_markers(text, expected):
    assert detect_languages([text], "en" if expected == "es" else "es") == [expected]


@pytest.mark.parametrize("text", ["", "12345", "ok", "zzkq"])
def test_undecidable_texts_get_the_default_language(text):
    assert detect_languages([text], "es") == ["es"]
    assert detect_languages([text], "en") == ["en"]


def test_an_unsupported_default_falls_back_to_english():
    assert detect_languages([""], "fr") == ["en"]


def test_short_text_language_without_markers_is_unknown():
    assert short_text_language("xyz") is None


def test_a_batch_keeps_its_order():
    texts = [
        "Hola",
        "I want to renew my annual subscription please",
        "",
        "Deseo renovar mi suscripción anual",
    ]
    assert detect_languages(texts, "en") == ["es", "en", "en", "es"]

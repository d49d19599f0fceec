import pytest

from processor.language import UNDETERMINED, detect_languages, detected_languages, short_text_language


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


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bonjour, je voudrais annuler mon abonnement au journal dès le mois prochain, merci.", "fr"),
        ("Guten Tag, ich möchte mein Abonnement der Zeitung zum nächsten Monat kündigen.", "de"),
        ("Buongiorno, vorrei disdire il mio abbonamento al giornale dal mese prossimo.", "it"),
        ("Bom dia, gostaria de cancelar a minha assinatura do jornal a partir do próximo mês.", "pt"),
        ("Goedemorgen, ik wil mijn abonnement op de krant opzeggen vanaf volgende maand.", "nl"),
        ("Dzień dobry, chciałbym anulować prenumeratę gazety od przyszłego miesiąca.", "pl"),
        ("Здравствуйте, я хочу отменить подписку на газету со следующего месяца.", "ru"),
    ],
)
def test_other_languages_are_reported_and_answered_in_the_default(text, code):
    assert detected_languages([text]) == [code]
    assert detect_languages([text], "es") == ["es"]
    assert detect_languages([text], "en") == ["en"]


def test_mixed_english_and_spanish_gets_one_of_the_two():
    text = "Hola, the paper did not arrive today otra vez, muy mal servicio, please fix it"
    assert detected_languages([text])[0] in ("en", "es")


def test_noise_is_undetermined():
    assert detected_languages(["zzkq"]) == [UNDETERMINED]

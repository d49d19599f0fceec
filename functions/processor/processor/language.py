"""The language of a message, detected offline with lingua (its models ship inside the wheel).

Daily Planet answers in English or Spanish. Lingua chooses among ``DETECTED`` (the languages a
European/American newspaper's readers most often write in), so French or German mail is reported as
such instead of being forced into the closer of English and Spanish; anything but en/es is answered
in the configured default language. Texts of a word or two are too short for n-gram statistics, so
they are decided by unmistakable markers (``ñ``, ``¿``, a greeting); anything lingua cannot tell
apart (noise) is undetermined and gets the default too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Final

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from planetmail.classification import Language as LanguageCode

SHORT_TEXT_WORDS: Final = 3
MINIMUM_RELATIVE_DISTANCE: Final = 0.05

_CODES: Final[dict[Language, LanguageCode]] = {Language.ENGLISH: "en", Language.SPANISH: "es"}
DETECTED: Final = (
    Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE, Language.FRENCH, Language.ITALIAN,
    Language.GERMAN, Language.DUTCH, Language.CATALAN, Language.BASQUE, Language.ROMANIAN,
    Language.POLISH, Language.SWEDISH,
    Language.DANISH, Language.BOKMAL, Language.FINNISH, Language.TURKISH, Language.RUSSIAN,
    Language.UKRAINIAN, Language.GREEK, Language.ARABIC, Language.HEBREW, Language.HINDI,
    Language.CHINESE, Language.JAPANESE, Language.KOREAN, Language.VIETNAMESE, Language.INDONESIAN,
    Language.TAGALOG, Language.LATIN,
)
UNDETERMINED: Final = "und"
"""ISO 639-2's code for an undetermined language."""
_WORDS = re.compile(r"[^\W\d_]+")
_SPANISH_CHARS = re.compile(r"[ñ¿¡áéíóú]", re.IGNORECASE)
_SPANISH_WORDS: Final = frozenset({
    "hola", "gracias", "buenos", "buenas", "favor", "quiero", "necesito", "ayuda", "baja", "alta",
    "queja", "suscripcion", "periodico", "diario", "urgente", "si", "por", "que", "el", "la", "de",
})
_ENGLISH_WORDS: Final = frozenset({
    "hello", "hi", "thanks", "thank", "please", "help", "cancel", "stop", "unsubscribe", "subscribe",
    "complaint", "newspaper", "urgent", "yes", "the", "of", "to", "and", "my",
})


@cache
def _detector() -> LanguageDetector:
    return (LanguageDetectorBuilder.from_languages(*dict.fromkeys(DETECTED))
            .with_minimum_relative_distance(MINIMUM_RELATIVE_DISTANCE)
            .build())


def warm_up() -> None:
    """Load lingua's models now (cold start) rather than on the first message."""
    _detector().detect_language_of("warm up the language models")


def short_text_language(text: str) -> LanguageCode | None:
    lowered = {w.lower() for w in _WORDS.findall(text)}
    if _SPANISH_CHARS.search(text) or lowered & _SPANISH_WORDS:
        return "es"
    if lowered & _ENGLISH_WORDS:
        return "en"
    return None


def detect_languages(texts: Sequence[str], default: str) -> list[LanguageCode]:
    """One reply language per text: en or es as detected, else ``default`` (if unsupported: English)."""
    fallback: LanguageCode = "es" if default == "es" else "en"
    return [reply_language(code, fallback) for code in detected_languages(texts)]


def reply_language(detected: str, fallback: LanguageCode) -> LanguageCode:
    return "es" if detected == "es" else "en" if detected == "en" else fallback


def detected_languages(texts: Sequence[str]) -> list[str]:
    """ISO 639-1 codes (``fr``, ``de``...) per text, ``und`` when it cannot be told."""
    found: list[str | None] = [None] * len(texts)
    long_indexes: list[int] = []
    for index, text in enumerate(texts):
        if len(_WORDS.findall(text)) < SHORT_TEXT_WORDS:
            found[index] = short_text_language(text)
        else:
            long_indexes.append(index)
    if long_indexes:
        detected = _detector().detect_languages_in_parallel_of([texts[i] for i in long_indexes])
        for index, language in zip(long_indexes, detected, strict=True):
            found[index] = language.iso_code_639_1.name.lower() if language is not None else None
    return [code or UNDETERMINED for code in found]

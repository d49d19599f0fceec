"""English or Spanish, detected offline with lingua (its models ship inside the wheel).

Lingua is restricted to the two languages Daily Planet answers in. Texts of a word or two are too
short for n-gram statistics, so they are decided by unmistakable markers (``ñ``, ``¿``, a greeting);
anything lingua cannot tell apart (another language, noise) falls back to the configured default.
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
    return (LanguageDetectorBuilder.from_languages(*_CODES)
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
    """One language code per text, ``default`` (if unsupported: English) when undecidable."""
    fallback: LanguageCode = "es" if default == "es" else "en"
    found: list[LanguageCode | None] = [None] * len(texts)
    long_indexes: list[int] = []
    for index, text in enumerate(texts):
        if len(_WORDS.findall(text)) < SHORT_TEXT_WORDS:
            found[index] = short_text_language(text)
        else:
            long_indexes.append(index)
    if long_indexes:
        detected = _detector().detect_languages_in_parallel_of([texts[i] for i in long_indexes])
        for index, language in zip(long_indexes, detected, strict=True):
            found[index] = _CODES.get(language) if language is not None else None
    return [language or fallback for language in found]

"""``high`` priority for urgency cues, legal threats and angry or repeated complaints (EN and ES).

Rules, not a model: the cues are few, explicit and must be explainable to the desk that acts on them.
Text is matched lower-cased and without accents, because readers often type without them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from planetmail.classification import UNACKNOWLEDGED, Priority

_CUES: Final = {
    "urgency": (
        r"\burgent(e|ly)?\b", r"\basap\b", r"\bimmediately\b", r"\bright away\b", r"\bemergency\b",
        r"\binmediat[ao]?(mente)?\b", r"\bcuanto antes\b", r"\blo antes posible\b", r"\bemergencia\b",
        r"\btoday\b.*\bdeadline\b", r"\bplazo\b.*\bhoy\b",
    ),
    "legal": (
        r"\blawyers?\b", r"\battorneys?\b", r"\blegal action\b", r"\bsue\b", r"\blawsuit\b",
        r"\b(see you|take you|taking you) (in|to) court\b", r"\bsmall claims\b",
        r"\bconsumer protection\b", r"\btrading standards\b", r"\bchargeback\b",
        r"\babogad[oa]s?\b", r"\bdemanda(r|re|remos)?\b", r"\bdenuncia(r|re)?\b", r"\bacciones legales\b",
        r"\btribunal(es)?\b", r"\bjuzgado\b", r"\bconsumo\b.*\breclamacion\b",
    ),
    "anger": (
        r"\bunacceptable\b", r"\bdisgrace(ful)?\b", r"\boutrage(d|ous)?\b", r"\bfurious\b",
        r"\bfed up\b", r"\bsick (and tired )?of\b", r"\bworst\b", r"\bridiculous\b", r"\bappalling\b",
        r"\binaceptable\b", r"\bvergonzoso\b", r"\bverguenza\b", r"\bharto\b", r"\bharta\b",
        r"\bindignad[oa]\b", r"\bestafa\b", r"\bfuriosa?o?\b", r"\bpesimo\b", r"\bridiculo\b",
    ),
    "repeated": (
        r"\b(third|fourth|fifth|\d+(st|nd|rd|th)) time\b", r"\bonce again\b", r"\bagain and again\b",
        r"\bstill (not|no|haven)\b", r"\b(tercera|cuarta|quinta) vez\b", r"\botra vez\b",
        r"\bde nuevo\b", r"\btodavia no\b", r"\bsigo sin\b",
    ),
}
_PATTERNS: Final = {kind: re.compile("|".join(cues)) for kind, cues in _CUES.items()}
LEARNED_HIGH: Final = 0.5
SHOUTING_RATIO: Final = 0.6
SHOUTING_MIN_LETTERS: Final = 20


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def priority_cues(text: str) -> list[str]:
    """The kinds of cue found in the text (empty when none)."""
    plain = normalise(text)
    found = [kind for kind, pattern in _PATTERNS.items() if pattern.search(plain)]
    if _is_shouting(text) or "!!!" in text:
        found.append("anger")
    return found


def priority_of(text: str, category: str, learned: float = 0.0) -> Priority:
    """High on an explicit cue or when the model's P(high) (learned from labels) reaches one half.

    Spam and other mail are never urgent: urgency is spam's bait, and neither reaches the reader desk.
    """
    if category in UNACKNOWLEDGED:
        return "normal"
    return "high" if learned >= LEARNED_HIGH or priority_cues(text) else "normal"


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= SHOUTING_RATIO

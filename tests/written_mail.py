"""Reading the hand-written data folders (data/reader_mail, data/spam_mail, data/other_mail) and the
rule that says two texts were not written apart: eight words in a row in common."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
WRITTEN = ("reader_mail", "spam_mail", "other_mail")
SHINGLE_WORDS = 8
"""Eight words in a row shared with a test message would mean the two were not written apart."""


def records(folder: str) -> list[dict[str, Any]]:
    lines = [line for path in sorted((DATA / folder).glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}

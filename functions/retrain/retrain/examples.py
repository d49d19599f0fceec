"""Labelled examples: JSON-line corpora (the Daily Planet corpus, the independent newspaper test set)
and the stable held-out split of the generated corpus.

Variants of a message (typos, HTML, forwarded copies) share its ``group``; the split is made by
group, from a hash of the group id, so a variant of a held-out message never reaches training and
the split stays the same while the corpus grows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from processor.mail import Mail, plain

HELD_OUT_BUCKETS: Final = 5
"""One group in five is held out (20 %)."""


class CorpusError(ValueError):
    """A corpus file is missing or a line is malformed; the message names file and line and the fix."""


@dataclasses.dataclass(frozen=True)
class Example:
    mail: Mail
    category: str
    """A newspaper category, ``spam`` or ``other`` (real mail that is neither)."""
    group: str
    language: str = "en"
    priority: str = "normal"
    source: str = "corpus"
    """``corpus`` (Daily Planet mail), ``spamassassin``, or the name of a test set."""

    @property
    def text(self) -> str:
        return self.mail.text

    @property
    def spam(self) -> bool:
        return self.category == "spam"


def is_held_out(group: str) -> bool:
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % HELD_OUT_BUCKETS == 0


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out), by group."""
    training: list[Example] = []
    held_out: list[Example] = []
    for example in examples:
        (held_out if is_held_out(example.group) else training).append(example)
    return training, held_out


def group_of(document: Mapping[str, Any]) -> str:
    """A corpus line's group: its ``group``, or its ``id`` when it is a group of its own."""
    return str(document.get("group") or document["id"])


def load_corpus(directory: Path, source: str = "corpus") -> list[Example]:
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no *.jsonl corpus files in {directory}; write the corpus or pass --corpus DIR")
    return [example for path in files for example in _read(path, source)]


def _read(path: Path, source: str) -> Iterator[Example]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield _example(_parse(line), path, number, source)


def _parse(line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def _example(document: object, path: Path, number: int, source: str) -> Example:
    if not isinstance(document, dict):
        raise CorpusError(f"{path}:{number} is not a JSON object; fix or remove the line")
    try:
        body = str(document.get("body", ""))
        html = body if document.get("html") else None
        return Example(
            mail=plain(str(document.get("subject", "")), "" if html else body, html),
            category=str(document["category"]),
            group=group_of(document),
            language=str(document.get("language", "en")),
            priority=str(document.get("priority", "normal")),
            source=source,
        )
    except KeyError as exc:
        raise CorpusError(f"{path}:{number} has no {exc.args[0]!r} field; every line needs it") from None

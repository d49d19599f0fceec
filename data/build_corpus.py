"""Build data/corpus/{en,es}.jsonl from the hand-written originals in data/sources/.

Run as a script: `.venv/bin/python data/build_corpus.py`. The output is deterministic:
each original's variants are drawn from a random generator seeded with its own id, so adding
an original never changes the variants of the others.

Source format (data/sources/<language>/<category>.txt): messages separated by a line `%%`;
each message is header lines (`From:`, `Subject:`, optional `Priority: high`, optional
`Variant: <kind>` for an original that is itself e.g. mixed-language), a blank line, the body.
"""

from __future__ import annotations

import html
import json
import random
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent
SOURCES = DATA / "sources"
CORPUS = DATA / "corpus"
CATEGORIES = ("subscriptions", "complaints", "praise", "questions", "news_tips", "advertising", "spam")
LANGUAGES = ("en", "es")
TARGET_PER_CLASS = 160
MIN_VARIANTS = 2
MAX_VARIANTS = 7


@dataclass(frozen=True)
class Message:
    id: str
    group: str
    language: str
    category: str
    priority: str
    subject: str
    body: str
    html: bool
    sender: str
    variant: str

    def as_json(self) -> str:
        record = {
            "id": self.id,
            "group": self.group,
            "language": self.language,
            "category": self.category,
            "priority": self.priority,
            "subject": self.subject,
            "body": self.body,
            "html": self.html,
            "from": self.sender,
            "variant": self.variant,
        }
        return json.dumps(record, ensure_ascii=False)


# --------------------------------------------------------------------------- sources


def parse_source(text: str, language: str, category: str) -> list[Message]:
    messages = []
    for raw in text.split("\n%%\n"):
        chunk = raw.strip("\n")
        if not chunk.strip():
            continue
        head, _, body = chunk.partition("\n\n")
        headers = {}
        for line in head.splitlines():
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if "subject" not in headers or "from" not in headers or "\nPriority:" in body:
            raise ValueError(f"{language}/{category}: bad headers (From/Subject/Priority): {chunk[:80]!r}")
        messages.append(
            Message(
                id="",
                group="",
                language=language,
                category=category,
                priority=headers.get("priority", "normal"),
                subject=headers["subject"],
                body=body.strip("\n"),
                html=False,
                sender=headers["from"],
                variant=headers.get("variant", "original"),
            )
        )
    return messages


# --------------------------------------------------------------------------- variants

KEYBOARD_NEIGHBOURS = {
    "a": "sq", "e": "wr", "i": "uo", "o": "ip", "u": "yi", "s": "ad", "n": "bm", "r": "et",
    "t": "ry", "l": "kñ", "c": "xv", "d": "sf", "m": "n", "p": "o", "h": "gj",
}  # fmt: skip


def add_typos(text: str, rng: random.Random, rate: float = 0.035) -> str:
    out: list[str] = []
    for char in text:
        lower = char.lower()
        if not lower.isalpha() or rng.random() > rate:
            out.append(char)
            continue
        kind = rng.randrange(4)
        if kind == 0:
            continue  # dropped letter
        if kind == 1:
            out.append(char + char)
        elif kind == 2 and lower in KEYBOARD_NEIGHBOURS:
            out.append(rng.choice(KEYBOARD_NEIGHBOURS[lower]))
        elif out and out[-1].isalpha():
            out.insert(len(out) - 1, char)  # swapped with previous letter
        else:
            out.append(char)
    return "".join(out)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept).replace("¿", "").replace("¡", "")


def to_html(text: str, rng: random.Random) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    style = rng.choice(
        [
            '<div dir="ltr">{}</div>',
            '<html><head><meta charset="utf-8"></head><body style="font-family:Arial">{}</body></html>',
            '<div style="font-family: Calibri, sans-serif; font-size: 11pt">{}</div>',
            "<html><body>{}<br></body></html>",
        ]
    )
    inner = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return style.format(inner)


@dataclass(frozen=True)
class Phrases:
    """Text the generator puts around an original, per language (data/sources/phrases.yaml)."""

    wrote: str
    forwarded: str
    dates: list[str]
    mobile: list[str]
    disclaimer: str
    titles: list[str]
    other_greetings: list[str]
    other_closings: list[str]
    follow_ups: dict[str, list[str]]
    forward_leads: list[str]
    forward_labels: list[str]


def load_phrases() -> dict[str, Phrases]:
    raw = yaml.safe_load((SOURCES / "phrases.yaml").read_text(encoding="utf-8"))
    return {language: Phrases(**raw[language]) for language in LANGUAGES}


PHRASES = load_phrases()


def sender_name(sender: str) -> str:
    return sender.split("<", maxsplit=1)[0].strip() or sender


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def quoted_reply(msg: Message, rng: random.Random) -> Message:
    loc = PHRASES[msg.language]
    header = loc.wrote.format(date=rng.choice(loc.dates), who=msg.sender)
    lead = rng.choice(loc.follow_ups[msg.category])
    body = f"{lead}\n\n{header}\n{quoted(msg.body)}"
    return replace(msg, subject=f"Re: {msg.subject}", body=body, variant="quoted_reply")


def forwarded(msg: Message, rng: random.Random) -> Message:
    loc = PHRASES[msg.language]
    date = rng.choice(loc.dates)
    who, when, about = loc.forward_labels
    block = f"{loc.forwarded}\n{who}: {msg.sender}\n{when}: {date}\n{about}: {msg.subject}\n\n{msg.body}"
    lead = rng.choice(loc.forward_leads)
    return replace(msg, subject=f"Fwd: {msg.subject}", body=f"{lead}\n\n{block}", variant="forwarded")


def with_signature(msg: Message, rng: random.Random) -> Message:
    loc = PHRASES[msg.language]
    name = sender_name(msg.sender)
    style = rng.randrange(3)
    if style == 0:
        signature = f"--\n{rng.choice(loc.mobile)}"
    elif style == 1:
        phone = (
            f"+{rng.choice(['1', '34', '52', '44'])} {rng.randint(200, 999)} {rng.randint(100000, 999999)}"
        )
        signature = f"--\n{name}\n{rng.choice(loc.titles)}\nTel. {phone}"
    else:
        signature = f"{name}\n\n{loc.disclaimer}"
    return replace(msg, body=f"{msg.body}\n\n{signature}", variant="signature")


def mixed_language(msg: Message, rng: random.Random) -> Message:
    loc = PHRASES[msg.language]
    body = f"{rng.choice(loc.other_greetings)}\n\n{msg.body}\n\n{rng.choice(loc.other_closings)}"
    return replace(msg, body=body, variant="mixed_language")


def typos(msg: Message, rng: random.Random) -> Message:
    return replace(
        msg, body=add_typos(msg.body, rng), subject=add_typos(msg.subject, rng, 0.02), variant="typos"
    )


def no_accents(msg: Message, rng: random.Random) -> Message:
    body = strip_accents(msg.body)
    if rng.random() < 0.5:
        body = body.lower()
    return replace(msg, body=body, subject=strip_accents(msg.subject), variant="no_accents")


def lowercase(msg: Message, rng: random.Random) -> Message:
    body = msg.body.lower().replace("'", "") if rng.random() < 0.5 else msg.body.lower()
    return replace(msg, body=body, subject=msg.subject.lower(), variant="lowercase")


def html_only(msg: Message, rng: random.Random) -> Message:
    return replace(msg, body=to_html(msg.body, rng), html=True, variant="html_only")


Variant = Callable[[Message, random.Random], Message]
VARIANTS: dict[str, list[Variant]] = {
    "en": [typos, lowercase, html_only, quoted_reply, forwarded, with_signature, mixed_language],
    "es": [typos, no_accents, html_only, quoted_reply, forwarded, with_signature, mixed_language],
}


def derive(original: Message, count: int) -> Iterator[Message]:
    rng = random.Random(zlib.crc32(original.group.encode()))
    kinds = rng.sample(VARIANTS[original.language], k=min(count, len(VARIANTS[original.language])))
    for kind in kinds:
        yield kind(original, rng)


# --------------------------------------------------------------------------- corpus


def build_class(language: str, category: str) -> list[Message]:
    path = SOURCES / language / f"{category}.txt"
    originals = parse_source(path.read_text(encoding="utf-8"), language, category)
    missing = TARGET_PER_CLASS - len(originals)
    per_original = max(MIN_VARIANTS, min(MAX_VARIANTS, -(-missing // len(originals))))
    out: list[Message] = []
    for number, source in enumerate(originals, start=1):
        group = f"{language}-{category}-{number:04d}"
        original = replace(source, id=group, group=group)
        out.append(original)
        for index, variant in enumerate(derive(original, per_original), start=1):
            out.append(replace(variant, id=f"{group}-v{index}"))
    return out


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for language in LANGUAGES:
        lines: list[str] = []
        for category in CATEGORIES:
            messages = build_class(language, category)
            originals = sum(1 for m in messages if m.id == m.group)
            print(f"{language} {category:14} originals={originals:4} messages={len(messages):4}")
            lines.extend(m.as_json() for m in messages)
        (CORPUS / f"{language}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""What ``planetmail classify`` reads: raw RFC 822 messages (a ``.eml`` file, a folder of them, or
one on standard input) and JSON lines with ``subject`` and ``body`` (``html``: true when the body is
HTML), told apart by their first bytes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from processor.mail import Mail, plain
from retrain import rfc822


class InputError(ValueError):
    """A line or file that is neither a message nor a JSON object; the message names it and the fix."""


@dataclasses.dataclass(frozen=True)
class Item:
    mail: Mail
    label: dict[str, str]
    """How the answer names its input: ``{"id": ...}`` from a JSON line, or ``{"file": ...}``."""


def read_source(name: str, data: bytes) -> Iterator[Item]:
    """One RFC 822 message, or JSON lines (``name`` labels messages and errors)."""
    if rfc822.looks_like_rfc822(data):
        yield Item(rfc822.parse(data), {"file": name})
        return
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if line.strip():
            yield _json_item(line, f"{name} line {number}")


def read_path(path: Path) -> Iterator[Item]:
    """A file, or every file of a folder (sorted, recursively; hidden files skipped)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InputError(f"{path} holds no files; give .eml files or JSON lines")
        for file in files:
            yield from read_source(str(file), file.read_bytes())
    elif path.is_file():
        yield from read_source(str(path), path.read_bytes())
    else:
        raise InputError(f"{path} does not exist; give a .eml file, a folder of them, or - for stdin")


def _json_item(line: str, where: str) -> Item:
    try:
        document = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where} is not JSON ({exc.msg}) nor an RFC 822 message; give one JSON "
                         "object per line or a raw message") from None
    if not isinstance(document, dict):
        raise InputError(f"{where} is not a JSON object; give objects with subject and body")
    body = str(document.get("body") or "")
    html = document.get("html")
    html_body = (body if html is True else str(html)) if html else None
    mail = dataclasses.replace(
        plain(str(document.get("subject") or ""), "" if html is True else body, html_body),
        headers=_mapping(document.get("headers"), lower=True),
        provider_verdicts=_mapping(document.get("provider_verdicts")) or None)
    return Item(mail, {"id": str(document["id"])} if "id" in document else {})


def _mapping(value: object, lower: bool = False) -> dict[str, Any]:
    """A JSON object's entries (header names lower-cased), empty for anything else."""
    if not isinstance(value, dict):
        return {}
    return {(str(k).lower() if lower else str(k)): (str(v) if lower else v) for k, v in value.items()}

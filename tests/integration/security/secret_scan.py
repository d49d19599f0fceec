"""Looking for secrets in what the system wrote: every secret in each form it travels in (as is, and
base64-encoded as in Basic and SMTP AUTH headers), searched for in files and in records."""

from __future__ import annotations

import base64
import dataclasses
import secrets as random_secrets
from collections.abc import Iterable, Mapping
from pathlib import Path


def fresh(label: str) -> str:
    """A secret value no test data or log line can hold by chance."""
    return f"{label}-{random_secrets.token_hex(12)}"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def forms(value: str) -> set[str]:
    """``value`` and its base64 encoding; for ``user:password`` also the password alone."""
    found = {value, b64(value)}
    user, colon, password = value.partition(":")
    if colon and user:
        found |= {password, b64(password)}
    return found


def smtp_auth_forms(username: str, password: str) -> set[str]:
    """What AUTH PLAIN and AUTH LOGIN put on the wire for these credentials."""
    return {password, b64(password), b64(f"\0{username}\0{password}")}


@dataclasses.dataclass(frozen=True)
class Leak:
    secret: str
    form: str
    where: str

    def __str__(self) -> str:
        return f"the {self.secret} ({self.form!r}) appears in {self.where}"


def leaks(secrets: Mapping[str, set[str]], documents: Mapping[str, str]) -> list[Leak]:
    """Every (secret, form) found in any document; ``documents`` maps where → text."""
    return [
        Leak(name, form, where)
        for where, text in documents.items()
        for name, variants in secrets.items()
        for form in sorted(variants)
        if form in text
    ]


def read_files(paths: Iterable[Path]) -> dict[str, str]:
    """path → text (undecodable bytes replaced) of every regular file below ``paths``."""
    documents: dict[str, str] = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            documents[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return documents

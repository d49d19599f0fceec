"""The reference for ``collector.mime.header_pairs``: every header as ``policy.default``'s own parser
reads it, the raw value where the header is broken (as the collector keeps it)."""

from __future__ import annotations

from email import policy
from email.message import Message


def by_the_parser(message: Message) -> list[tuple[str, str]]:
    pairs = []
    for name, raw in message.raw_items():
        try:
            value = str(policy.default.header_fetch_parse(name, raw))
        except Exception:  # the collector keeps a broken header's raw value
            value = raw
        pairs.append((name, value))
    return pairs

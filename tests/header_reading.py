"""The reference for ``collector.mime.header_pairs``: every header as ``policy.default``'s own parser
reads it, the raw value where the header is broken or is an address header the parser finds invalid
(as the collector keeps it)."""

from __future__ import annotations

from email import policy
from email.errors import InvalidHeaderDefect
from email.headerregistry import AddressHeader
from email.message import Message


def by_the_parser(message: Message) -> list[tuple[str, str]]:
    pairs = []
    for name, raw in message.raw_items():
        try:
            header = policy.default.header_fetch_parse(name, raw)
        except Exception:  # the collector keeps a broken header's raw value
            pairs.append((name, raw))
            continue
        invalid = any(isinstance(defect, InvalidHeaderDefect) for defect in header.defects)
        keep_raw = isinstance(header, AddressHeader) and invalid
        pairs.append((name, raw.replace("\r", "").replace("\n", "") if keep_raw else str(header)))
    return pairs

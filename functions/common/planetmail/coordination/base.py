"""What a singleton job needs from its coordinator, whichever backend serves it.

Two backends implement it: ``zookeeper`` (the local stack: an ephemeral lock node and versioned
znodes) and ``dynamodb`` (AWS, where no ZooKeeper is reachable: a lease item and version-checked items
in the idempotency table). ``planetmail.coordination.backends.coordinator(settings)`` picks one by
``settings.coordination``; callers see only this interface.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class CoordinationUnavailable(RuntimeError):
    """The backend cannot be reached or refused the request: skip this run, the next one retries."""


class DocumentMoved(RuntimeError):
    """Another instance wrote the document since it was read: this one no longer leads its job."""


class VersionedDocument(Protocol):
    """A small JSON document written with compare-and-set against the version last read."""

    def load(self) -> dict[str, Any] | None:
        """The stored document (None when there is none yet); remembers its version for ``save``."""

    def save(self, document: dict[str, Any]) -> None:
        """Store ``document`` if nobody wrote since the last ``load``/``save``; else DocumentMoved."""


class Coordinator(Protocol):
    def lead(self, job: str) -> AbstractContextManager[bool]:
        """True inside the block while this instance holds ``job``; False when another instance does
        (or the backend cannot confirm it). Leadership ends with the block."""

    def document(self, name: str) -> VersionedDocument:
        """The versioned document ``name`` (such as ``imap/<mailbox>``)."""

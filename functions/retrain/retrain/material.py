"""The training material as one archive, so the retrain function trains on what ``planetmail train`` does.

A Lambda has no repository and no npm cache: ``planetmail model upload-training`` packs the Daily Planet
corpus, the hand-written folders, the newspaper test set and the SpamAssassin folders into one
``tar.gz`` and stores it beside the models (``<ModelBucket>/<ModelPrefix>training/material.tar.gz``, or the
local models folder). Inside, one folder per source::

    corpus/*.jsonl   other_mail/*.jsonl   reader_mail/*.jsonl   spam_mail/*.jsonl
    newspaper_test/*.jsonl   spamassassin/<folder>/*.txt

Unpacking uses tarfile's ``data`` filter: no absolute paths, no links out of the folder, no devices, so an
archive from a bucket cannot write outside the scratch folder.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Final

from retrain import spamassassin
from retrain.examples import CorpusError
from retrain.training import WRITTEN, Sources

MATERIAL_KEY: Final = "training/material.tar.gz"
"""Where the archive lives under the models folder (bucket prefix or local folder)."""
CORPUS, NEWSPAPER_TEST, SPAMASSASSIN = "corpus", "newspaper_test", "spamassassin"


class MaterialError(ValueError):
    """The archive is missing, unreadable or lacks the corpus; the message names which and the fix."""


def pack(sources: Sources, target: Path) -> Path:
    """Write ``sources``' folders (of SpamAssassin's, those training and testing read) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        archive.add(sources.corpus, arcname=CORPUS, filter=_portable)
        folders = {**sources.written(), NEWSPAPER_TEST: sources.newspaper_test}
        for name, path in folders.items():
            if path is not None:
                archive.add(path, arcname=name, filter=_portable)
        if sources.spamassassin is not None:
            for folder in {**spamassassin.TRAINING_FOLDERS, **spamassassin.TEST_FOLDERS}:
                archive.add(sources.spamassassin / folder, arcname=f"{SPAMASSASSIN}/{folder}",
                            filter=_portable)
    return target


def unpack(archive: Path, root: Path) -> Sources:
    """Extract ``archive`` into ``root`` and name what it holds (a missing optional folder is None)."""
    try:
        with tarfile.open(archive, "r:gz") as opened:
            opened.extractall(root, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise MaterialError(f"the training material {archive.name} cannot be unpacked ({exc}); "
                            "upload it again with 'planetmail model upload-training'") from None
    if not (root / CORPUS).is_dir():
        raise MaterialError(f"the training material {archive.name} has no {CORPUS}/ folder; "
                            "upload it again with 'planetmail model upload-training'")
    sources = Sources(corpus=root / CORPUS, spamassassin=_present(root / SPAMASSASSIN),
                      newspaper_test=_present(root / NEWSPAPER_TEST))
    return sources.with_written({name: _present(root / name) for name in WRITTEN})


def _present(folder: Path) -> Path | None:
    return folder if folder.is_dir() else None


def require_corpus(sources: Sources) -> None:
    """Refuse to pack material that ``train`` could not use."""
    if not any(sources.corpus.glob("*.jsonl")):
        raise CorpusError(f"no *.jsonl in {sources.corpus}")


def _portable(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owner and modes of the packing machine do not travel."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    member.mode = 0o755 if member.isdir() else 0o644
    return member

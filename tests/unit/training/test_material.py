"""The training material archive: what ``planetmail model upload-training`` packs, the retrain function
unpacks into the same Sources; an archive from a bucket cannot write outside its folder."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from retrain.examples import CorpusError
from retrain.material import MaterialError, pack, require_corpus, unpack
from retrain.training import Sources

TINY_CORPUS = Path(__file__).parent / "data"


def _spamassassin(root: Path) -> Path:
    for folder in ("spam-1", "spam-2", "easy-ham-1", "easy-ham-2", "hard-ham-1", "not-read"):
        (root / folder).mkdir(parents=True)
        (root / folder / "0001.txt").write_bytes(b"Subject: hello\n\nbody\n")
    return root


def test_what_is_packed_unpacks_into_the_same_sources(tmp_path: Path) -> None:
    sources = Sources(corpus=TINY_CORPUS, spamassassin=_spamassassin(tmp_path / "sa"),
                      newspaper_test=TINY_CORPUS, other_mail=None, reader_mail=TINY_CORPUS,
                      spam_mail=TINY_CORPUS)

    unpacked = unpack(pack(sources, tmp_path / "material.tar.gz"), tmp_path / "out")

    out = tmp_path / "out"
    assert unpacked == Sources(corpus=out / "corpus", spamassassin=out / "spamassassin",
                               newspaper_test=out / "newspaper_test", other_mail=None,
                               reader_mail=out / "reader_mail", spam_mail=out / "spam_mail")
    assert [e.text for e in unpacked.load()[0]] == [e.text for e in sources.load()[0]]
    assert sorted(p.name for p in (tmp_path / "out" / "spamassassin").iterdir()) == [
        "easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"]  # only what training and tests read


def _archive(tmp_path: Path, *members: tuple[tarfile.TarInfo, bytes]) -> Path:
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members:
            archive.addfile(member, io.BytesIO(data) if data else None)
    return path


def _file(name: str, data: bytes = b"{}\n") -> tuple[tarfile.TarInfo, bytes]:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    return member, data


def _link(name: str, target: str) -> tuple[tarfile.TarInfo, bytes]:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = tarfile.SYMTYPE, target
    return member, b""


@pytest.mark.parametrize("hostile", [
    _file("../escaped.jsonl"),
    _link("corpus/link.jsonl", "/etc/passwd"),
], ids=["parent-path", "link-out"])
def test_an_archive_that_reaches_outside_its_folder_is_refused(
        tmp_path: Path, hostile: tuple[tarfile.TarInfo, bytes]) -> None:
    archive = _archive(tmp_path, _file("corpus/a.jsonl"), hostile)

    with pytest.raises(MaterialError, match=r"cannot be unpacked .*upload it again"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.jsonl").exists()


def test_an_absolute_path_lands_inside_the_folder(tmp_path: Path) -> None:
    absolute = tmp_path / "absolute.jsonl"
    unpack(_archive(tmp_path, _file("corpus/a.jsonl"), _file(str(absolute))), tmp_path / "out")

    assert not absolute.exists()
    assert (tmp_path / "out" / absolute.relative_to("/")).is_file()


def test_an_archive_without_the_corpus_or_not_an_archive_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(MaterialError, match="has no corpus/ folder"):
        unpack(_archive(tmp_path, _file("newspaper_test/a.jsonl")), tmp_path / "out")
    (tmp_path / "garbage.tar.gz").write_bytes(b"not a tar")
    with pytest.raises(MaterialError, match="planetmail model upload-training"):
        unpack(tmp_path / "garbage.tar.gz", tmp_path / "out2")


def test_an_empty_corpus_is_not_packed(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \*\.jsonl"):
        require_corpus(Sources(corpus=tmp_path))

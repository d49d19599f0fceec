"""The hand-written training folders: reader mail (data/reader_mail) and present-day spam
(data/spam_mail). Well-formed, labelled as each promises, and sharing no text with what measures the
model: the newspaper test set and the corpus's held-out split, which must stay unseen."""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from planetmail.classification import LANGUAGES, Priority
from processor.model import TOPICS
from retrain.examples import is_held_out

DATA = Path(__file__).resolve().parents[3] / "data"
PRIORITIES = set(get_args(Priority))
NEWSPAPER_CATEGORIES = TOPICS
FIELDS = {"id", "group", "language", "category", "priority", "subject", "body", "html", "style"}
SHINGLE_WORDS = 8
"""Eight words in a row shared with a test message would mean the two were not written apart."""
MAX_SIMILARITY = 0.4
"""TF-IDF cosine (words and word pairs) to the closest unseen message: above it, a message retells it in
other words (0.4-0.8 when reader_mail was first written: Kindle, student price, notifications); below
it, it is someone writing about the same thing, as readers and spammers do."""
WRITTEN = ("reader_mail", "spam_mail")


def records(folder: str) -> list[dict[str, Any]]:
    lines = [line for path in sorted((DATA / folder).glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def unseen() -> list[dict[str, Any]]:
    """What the model is measured on: the newspaper test set and the corpus's held-out groups."""
    return records("newspaper_test") + [r for r in records("corpus") if is_held_out(r["group"])]


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


@pytest.fixture(scope="module")
def written() -> dict[str, list[dict[str, Any]]]:
    return {folder: records(folder) for folder in WRITTEN}


@pytest.mark.parametrize("folder", WRITTEN)
def test_every_record_is_well_formed(written, folder):
    assert written[folder]
    for record in written[folder]:
        assert set(record) == FIELDS, record["id"]
        assert record["priority"] in PRIORITIES, record["id"]
        assert record["language"] in LANGUAGES, record["id"]
        assert record["group"] == record["id"]
        assert record["body"].strip(), record["id"]
    assert len({r["id"] for r in written[folder]}) == len(written[folder])


@pytest.mark.parametrize("language", LANGUAGES)
def test_reader_mail_has_every_category_and_both_priorities(written, language):
    mine = [r for r in written["reader_mail"] if r["language"] == language]
    assert set(Counter(r["category"] for r in mine)) == set(NEWSPAPER_CATEGORIES)
    assert set(Counter(r["priority"] for r in mine)) == PRIORITIES


@pytest.mark.parametrize("language", LANGUAGES)
def test_spam_mail_is_spam_in_every_language(written, language):
    mine = [r for r in written["spam_mail"] if r["language"] == language]
    assert mine
    assert {(r["category"], r["priority"]) for r in mine} == {("spam", "normal")}


@pytest.mark.parametrize("folder", WRITTEN)
def test_no_message_shares_text_with_unseen_mail(written, unseen, folder):
    tested = set().union(*(shingles(r["body"]) for r in unseen))
    shared = [r["id"] for r in written[folder] if shingles(r["body"]) & tested]
    assert not shared, f"sharing {SHINGLE_WORDS} words in a row with unseen mail: {shared}"


@pytest.mark.parametrize("folder", WRITTEN)
def test_no_message_retells_unseen_mail(written, unseen, folder):
    mine, tests = written[folder], unseen
    texts = [f"{r['subject']} {r['body']}" for r in (*mine, *tests)]
    vectors = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(texts)
    closest = cosine_similarity(vectors[: len(mine)], vectors[len(mine):]).max(axis=1)
    retold = [r["id"] for r, near in zip(mine, closest, strict=True) if near >= MAX_SIMILARITY]
    assert not retold, f"as close as {MAX_SIMILARITY} or more to unseen mail: {retold}"

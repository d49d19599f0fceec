"""The hand-written reader mail trained on (data/reader_mail): well-formed, labelled in every language,
and sharing no text with the newspaper test set, which must stay unseen."""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from planetmail.classification import LANGUAGES, Priority

DATA = Path(__file__).resolve().parents[3] / "data"
PRIORITIES = set(get_args(Priority))
NEWSPAPER_CATEGORIES = ("subscriptions", "complaints", "praise", "questions", "news_tips", "advertising")
FIELDS = {"id", "group", "language", "category", "priority", "subject", "body", "html", "style"}
SHINGLE_WORDS = 8
"""Eight words in a row shared with a test message would mean the two were not written apart."""
MAX_SIMILARITY = 0.4
"""TF-IDF cosine (words and word pairs) to the closest test message: above it, a message retells a test
message in other words (0.4-0.8 when this set was first written: Kindle, student price, notifications);
below it, it is a reader asking about the same thing, as readers do."""


def records(folder: str) -> list[dict[str, Any]]:
    lines = [line for path in sorted((DATA / folder).glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


@pytest.fixture(scope="module")
def reader_mail() -> list[dict[str, Any]]:
    return records("reader_mail")


def test_every_record_is_well_formed_and_labelled(reader_mail):
    assert reader_mail
    for record in reader_mail:
        assert set(record) == FIELDS, record["id"]
        assert record["category"] in NEWSPAPER_CATEGORIES, record["id"]
        assert record["priority"] in PRIORITIES, record["id"]
        assert record["language"] in LANGUAGES, record["id"]
        assert record["group"] == record["id"]
        assert record["body"].strip(), record["id"]
    assert len({r["id"] for r in reader_mail}) == len(reader_mail)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_category_and_both_priorities_in_each_language(reader_mail, language):
    mine = [r for r in reader_mail if r["language"] == language]
    assert set(Counter(r["category"] for r in mine)) == set(NEWSPAPER_CATEGORIES)
    assert set(Counter(r["priority"] for r in mine)) == PRIORITIES


def test_no_message_shares_text_with_the_newspaper_test_set(reader_mail):
    tested = set().union(*(shingles(r["body"]) for r in records("newspaper_test")))
    shared = [r["id"] for r in reader_mail if shingles(r["body"]) & tested]
    assert not shared, f"sharing {SHINGLE_WORDS} words in a row with the test set: {shared}"


def test_no_message_retells_a_newspaper_test_message(reader_mail):
    tests = records("newspaper_test")
    texts = [f"{r['subject']} {r['body']}" for r in (*reader_mail, *tests)]
    vectors = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(texts)
    closest = cosine_similarity(vectors[: len(reader_mail)], vectors[len(reader_mail):]).max(axis=1)
    retold = [r["id"] for r, near in zip(reader_mail, closest, strict=True) if near >= MAX_SIMILARITY]
    assert not retold, f"as close as {MAX_SIMILARITY} or more to a test message: {retold}"

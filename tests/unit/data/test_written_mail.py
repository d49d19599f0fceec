"""The hand-written training folders: reader mail (data/reader_mail), present-day spam
(data/spam_mail) and ordinary mail that is not newspaper mail (data/other_mail). Well-formed, labelled
as each promises, and sharing no text with what measures the model: the newspaper test set and the
corpus's held-out split, which must stay unseen. (The SpamAssassin test split, installed from npm, is
checked in tests/integration/training/test_spamassassin_corpus.py.)"""

from collections import Counter
from typing import Any, get_args

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from written_mail import SHINGLE_WORDS, WRITTEN, records, shingles

from planetmail.classification import LANGUAGES, Priority
from processor.model import TOPICS
from retrain.examples import is_held_out

PRIORITIES = set(get_args(Priority))
NEWSPAPER_CATEGORIES = TOPICS
FIELDS = {"id", "group", "language", "category", "priority", "subject", "body", "html"}
OPTIONAL_FIELDS = {"style"}
MAX_SIMILARITY = 0.4
"""TF-IDF cosine (words and word pairs) to the closest unseen message: above it, a message retells it in
other words (0.4-0.8 when reader_mail was first written: Kindle, student price, notifications); below
it, it is someone writing about the same thing, as readers and spammers do."""


@pytest.fixture(scope="module")
def unseen() -> list[dict[str, Any]]:
    """What the model is measured on: the newspaper test set and the corpus's held-out groups."""
    return records("newspaper_test") + [r for r in records("corpus") if is_held_out(r["group"])]


@pytest.fixture(scope="module")
def written() -> dict[str, list[dict[str, Any]]]:
    return {folder: records(folder) for folder in WRITTEN}


@pytest.mark.parametrize("folder", WRITTEN)
def test_every_record_is_well_formed(written, folder):
    assert written[folder]
    for record in written[folder]:
        assert FIELDS <= set(record) <= FIELDS | OPTIONAL_FIELDS, record["id"]
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_mail_is_other_in_every_language(written, language):
    mine = [r for r in written["other_mail"] if r["language"] == language]
    assert mine
    assert {(r["category"], r["priority"]) for r in mine} == {("other", "normal")}


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

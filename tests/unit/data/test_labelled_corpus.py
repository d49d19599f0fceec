"""Validation of the committed labelled corpus (data/corpus/*.jsonl)."""

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from planetmail.classification import CATEGORIES, LANGUAGES

CORPUS = Path(__file__).resolve().parents[3] / "data" / "corpus"
FIELDS = {"id", "group", "language", "category", "priority", "subject", "body", "html", "from", "variant"}
MIN_PER_CLASS = 150
MIN_ORIGINALS_PER_CLASS = 60
VARIANT_KINDS = {"typos", "html_only", "quoted_reply", "forwarded", "signature", "mixed_language"}


def load(language: str) -> list[dict[str, Any]]:
    lines = (CORPUS / f"{language}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict[str, Any]]]:
    return {language: load(language) for language in LANGUAGES}


def test_every_record_has_exactly_the_schema_fields(corpus):
    for language, records in corpus.items():
        for record in records:
            assert set(record) == FIELDS, record["id"]
            assert record["language"] == language
            assert record["category"] in CATEGORIES
            assert record["priority"] in ("high", "normal")
            assert isinstance(record["html"], bool)
            assert record["subject"].strip() and record["body"].strip(), record["id"]
            assert "@" in record["from"], record["id"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_category_has_enough_messages_and_originals(corpus, language):
    records = corpus[language]
    per_class = Counter(r["category"] for r in records)
    originals = Counter(r["category"] for r in records if r["id"] == r["group"])
    for category in CATEGORIES:
        assert per_class[category] >= MIN_PER_CLASS, (language, category, per_class[category])
        assert originals[category] >= MIN_ORIGINALS_PER_CLASS, (language, category, originals[category])


def test_ids_are_unique_across_languages(corpus):
    ids = [r["id"] for records in corpus.values() for r in records]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates


def test_every_group_is_an_original_with_the_same_label(corpus):
    for records in corpus.values():
        originals = {r["id"]: r for r in records if r["id"] == r["group"]}
        for record in records:
            root = originals.get(record["group"])
            assert root is not None, f"{record['id']}: group {record['group']} has no original"
            assert (record["category"], record["priority"], record["language"]) == (
                root["category"],
                root["priority"],
                root["language"],
            ), record["id"]
            if record["id"] != record["group"]:
                assert record["variant"] != "original", record["id"]


def test_original_texts_are_distinct(corpus):
    for records in corpus.values():
        bodies = Counter(r["body"].strip().lower() for r in records if r["id"] == r["group"])
        assert [b[:60] for b, n in bodies.items() if n > 1] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_variant_kind_is_present(corpus, language):
    kinds = Counter(r["variant"] for r in corpus[language])
    assert set(kinds) >= VARIANT_KINDS, kinds
    if language == "es":
        assert kinds["no_accents"] > 0


def test_html_flag_matches_body(corpus):
    for records in corpus.values():
        for record in records:
            looks_html = record["body"].lstrip().startswith("<")
            assert looks_html == record["html"], record["id"]


def test_both_priorities_occur_in_every_language(corpus):
    for records in corpus.values():
        by_priority: dict[str, int] = defaultdict(int)
        for record in records:
            by_priority[record["priority"]] += 1
        assert by_priority["high"] > 0 and by_priority["normal"] > 0

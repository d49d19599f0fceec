"""planetmail config: KEY=VALUE parsing, dotted keys, change lists and validation (no ZooKeeper)."""

from __future__ import annotations

from typing import Any

import pytest

from planetmail.config import StoredDocument
from planetmail.pipeline_config import PipelineConfig
from planetmail_local.cli.config import (
    assign,
    changed_settings,
    lookup,
    parse_assignment,
    stored_settings,
    validated,
)
from planetmail_local.cli.errors import UserError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("confidence_threshold=0.7", ("confidence_threshold", 0.7)),
        ("reply_policy.enabled=false", ("reply_policy.enabled", False)),
        ("reply_policy.own_domains=[\"a.example\"]", ("reply_policy.own_domains", ["a.example"])),
        ("sender.display_name=Planet Desk", ("sender.display_name", "Planet Desk")),
        ('model_version="7"', ("model_version", "7")),
        ("operations_email=null", ("operations_email", None)),
        ("sender.address=a=b@example.org", ("sender.address", "a=b@example.org")),
        (" sla_seconds =60", ("sla_seconds", 60)),
    ],
)
def test_values_are_json_or_else_strings(text: str, expected: tuple[str, Any]) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["confidence_threshold", "=0.7", ""])
def test_an_assignment_needs_a_key_and_an_equals_sign(text: str) -> None:
    with pytest.raises(UserError, match="is not KEY=VALUE"):
        parse_assignment(text)


def test_dotted_keys_set_nested_values_without_touching_the_original() -> None:
    document: dict[str, Any] = {"reply_policy": {"per_recipient_cap": 3, "enabled": True}, "sla_seconds": 300}
    changed = assign(document, "reply_policy.per_recipient_cap", 5)
    assert changed == {"reply_policy": {"per_recipient_cap": 5, "enabled": True}, "sla_seconds": 300}
    assert document["reply_policy"]["per_recipient_cap"] == 3
    assert assign({}, "routing.complaints", "mail.x") == {"routing": {"complaints": "mail.x"}}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("sla_seconds.minutes", "sla_seconds is a value, not a section"),
        ("reply_policy..enabled", "not a dotted key"),
    ],
)
def test_a_dotted_key_must_lead_through_sections(key: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        assign({"sla_seconds": 300, "reply_policy": {}}, key, 1)


def test_lookup_walks_dotted_keys_and_names_a_missing_one() -> None:
    document = PipelineConfig().model_dump(mode="json")
    assert lookup(document, "reply_policy.per_recipient_cap") == 3
    assert lookup(document, "routing") == document["routing"]
    with pytest.raises(UserError, match=r"no setting 'reply_policy\.cap'"):
        lookup(document, "reply_policy.cap")


def test_changes_are_listed_as_dotted_leaves() -> None:
    before = {"sla_seconds": 300, "reply_policy": {"enabled": True, "own_domains": ["a"]}, "gone": 1}
    after = {"sla_seconds": 60, "reply_policy": {"enabled": True, "own_domains": ["a", "b"]}}
    assert changed_settings(before, after) == {
        "gone": None, "reply_policy.own_domains": ["a", "b"], "sla_seconds": 60,
    }
    assert changed_settings(after, after) == {}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("confidence_threshold", 2, "confidence_threshold: Input should be less than or equal to 1"),
        ("model_version", 7, "quote a string that looks like a number"),
        ("reply_policy.per_recipent_cap", 1, "reply_policy.per_recipent_cap: Extra inputs"),
    ],
)
def test_validation_names_the_field_and_saves_nothing(key: str, value: Any, message: str) -> None:
    document = assign(PipelineConfig().model_dump(mode="json"), key, value)
    with pytest.raises(UserError, match=message) as raised:
        validated(document)
    assert "nothing was saved" in str(raised.value)


def test_no_stored_document_means_the_defaults() -> None:
    assert stored_settings(StoredDocument(b"", None)) == PipelineConfig().model_dump(mode="json")
    assert stored_settings(StoredDocument(b'{"sla_seconds": 5}', 3)) == {"sla_seconds": 5}


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]"])
def test_a_stored_document_that_is_not_an_object_asks_for_an_edit(raw: bytes) -> None:
    with pytest.raises(UserError, match="version 4 is not a JSON object; fix it with 'planetmail config"):
        stored_settings(StoredDocument(raw, 4))

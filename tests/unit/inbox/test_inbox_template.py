"""template.yaml's inbox resources agree with the code: table keys and indexes, routes, handlers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inbox.table import INBOX_TABLE_KEYS
from planetmail_local.emulator.yaml_loader import load_template_document

ROOT = Path(__file__).parents[3]
RESOURCES: dict[str, Any] = load_template_document(ROOT / "template.yaml")["Resources"]


def test_the_inbox_table_has_the_keys_and_indexes_the_code_queries() -> None:
    properties = RESOURCES["InboxTable"]["Properties"]
    assert {name: properties[name] for name in INBOX_TABLE_KEYS} == INBOX_TABLE_KEYS


def test_only_the_api_is_behind_the_jwt_authorizer() -> None:
    events = RESOURCES["InboxFunction"]["Properties"]["Events"]
    public = {event["Properties"]["Path"] for event in events.values()
              if event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"}
    assert public == {"/inbox", "/inbox/{asset}"}
    assert RESOURCES["InboxHttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "StaffJwt"


def test_the_indexer_reads_the_two_topics_it_indexes() -> None:
    topics = sorted(spec["Properties"]["Topics"][0]["Fn::Sub"] for name, spec in RESOURCES.items()
                    if name.startswith("Inbox") and name.endswith("Mapping"))
    assert topics == ["${TopicPrefix}mail.events"] * 2 + ["${TopicPrefix}mail.received"] * 2

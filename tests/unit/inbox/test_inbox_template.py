"""template.yaml's inbox resources agree with the code: table keys and indexes, routes, handlers."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, get_args

from inbox.indexer import indexed
from inbox.settings import DEFAULT_AGENT_GROUP, ENV_INBOX_AGENT_GROUP
from inbox.table import INBOX_TABLE_KEYS
from planetmail.lifecycle import EVENT_SCHEMA, Stage, State
from planetmail_local.emulator.kafka.filters import filter_document, record_matches
from planetmail_local.emulator.yaml_loader import load_template_document

ROOT = Path(__file__).parents[3]
DOCUMENT: dict[str, Any] = load_template_document(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]


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


def test_the_agent_group_is_one_parameter_for_the_function_and_the_user_pool() -> None:
    parameter = DOCUMENT["Parameters"]["InboxAgentGroup"]
    assert parameter["Default"] == DEFAULT_AGENT_GROUP
    variables = RESOURCES["InboxFunction"]["Properties"]["Environment"]["Variables"]
    assert variables[ENV_INBOX_AGENT_GROUP] == {"Ref": "InboxAgentGroup"}
    group = RESOURCES["InboxAgentUserPoolGroup"]
    assert group["Properties"]["GroupName"] == {"Ref": "InboxAgentGroup"}
    assert group["Condition"] == "InboxCreatesAgentGroup"  # Cognito only, and not when the check is off


def test_the_events_mappings_deliver_exactly_the_events_the_indexer_acts_on() -> None:
    mappings = [spec["Properties"] for name, spec in RESOURCES.items()
                if name.startswith("InboxEvents") and name.endswith("Mapping")]
    assert len(mappings) == 2
    for properties in mappings:
        patterns = [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]]
        for stage, state in itertools.product(get_args(Stage), get_args(State)):
            value = {"schema": EVENT_SCHEMA, "id": "x", "stage": stage, "state": state}
            document = filter_document("mail.events", 0, 0, 0, json.dumps(value).encode())
            assert record_matches(patterns, document) == indexed(stage, state), (stage, state)
        poison = filter_document("mail.events", 0, 0, 0, b"\xff not json")
        assert not record_matches(patterns, poison)


def test_staff_can_sign_in_with_cognito_and_come_back_with_a_token() -> None:
    """The implicit flow needs the pool's hosted domain; the sign-in URL sends the client's token back
    to the page's callback, whose fragment the page reads (inbox.js: access_token or id_token)."""
    domain = RESOURCES["InboxUserPoolDomain"]
    assert domain["Condition"] == "InboxUsesCognito"
    assert domain["Properties"]["UserPoolId"] == {"Ref": "InboxUserPool"}
    client = RESOURCES["InboxUserPoolClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["implicit"]
    assert client["CallbackURLs"] == [{"Ref": "InboxCallbackUrl"}]
    output = DOCUMENT["Outputs"]["InboxSignInUrl"]
    url = output["Value"]["Fn::Sub"]
    assert output["Condition"] == "InboxUsesCognito"
    assert url.startswith("https://${InboxUserPoolDomain}.auth.${AWS::Region}.amazoncognito.com/oauth2/authorize?")
    assert {"response_type=token", "client_id=${InboxUserPoolClient}", "redirect_uri=${InboxCallbackUrl}"} \
        <= set(url.partition("?")[2].split("&"))
    page = (ROOT / "functions" / "inbox" / "inbox" / "static" / "inbox.js").read_text(encoding="utf-8")
    assert 'fragment.get("access_token")' in page

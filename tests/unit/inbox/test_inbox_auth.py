"""Who may act in the inbox: the groups claim in every form API Gateway and others deliver it, the agent
group setting, and the local token holder (always an agent)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.auth import Caller, NotAgent, NotStaff, caller, claim_groups, require_agent
from inbox.settings import DEFAULT_AGENT_GROUP, ENV_INBOX_AGENT_GROUP, InboxSettings
from planetmail.settings import Secret, Settings, SettingsError

TOKEN = Secret("local-staff-token")


def gateway_event(claims: dict[str, Any]) -> dict[str, Any]:
    """The part of an HTTP API (payload 2.0) event the JWT authorizer fills in."""
    return {"requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": None}}}}


@pytest.mark.parametrize(("value", "groups"), [
    (["reader-services", "editors"], ("reader-services", "editors")),        # a real JSON array
    ("[reader-services editors]", ("reader-services", "editors")),           # API Gateway's flattening
    ("[reader-services]", ("reader-services",)),
    ('["reader-services", "editors"]', ("reader-services", "editors")),      # a JSON array as text
    ("reader-services", ("reader-services",)),                               # one plain name
    ("reader-services,editors", ("reader-services", "editors")),
    ("[1e5 true]", ("1e5", "true")), ("[1e5]", ("1e5",)),                  # names, not JSON numbers
    ("[]", ()), ("", ()), ("  ", ()), (None, ()), (42, ()), ({"a": 1}, ()),
])
def test_the_groups_claim_is_read_in_every_delivered_form(value: Any, groups: tuple[str, ...]) -> None:
    assert claim_groups({"cognito:groups": value}) == groups


def test_a_missing_groups_claim_is_no_group() -> None:
    assert claim_groups({"sub": "1234", "email": "lois@dailyplanet.example"}) == ()


def test_the_openid_groups_claim_counts_too_without_repeats() -> None:
    assert claim_groups({"cognito:groups": "[a b]", "groups": ["b", "c"]}) == ("a", "b", "c")


@given(st.lists(st.from_regex(r"[A-Za-z0-9_.@+=-]{1,20}", fullmatch=True), max_size=5, unique=True))
def test_the_bracketed_form_round_trips_any_group_names(names: list[str]) -> None:
    assert claim_groups({"cognito:groups": "[" + " ".join(names) + "]"}) == tuple(names)


@pytest.mark.parametrize(("groups", "agent_group", "can_act"), [
    ("[reader-services editors]", "reader-services", True),
    ("[editors]", "reader-services", False),
    (None, "reader-services", False),
    ("[reader-services-archive]", "reader-services", False),  # a prefix is not membership
    (None, "", True),                                          # empty setting: no group check
])
def test_a_jwt_caller_acts_only_in_the_agent_group(groups: Any, agent_group: str, can_act: bool) -> None:
    claims = {"sub": "1234", "email": "lois@dailyplanet.example"}
    if groups is not None:
        claims["cognito:groups"] = groups
    who = caller(gateway_event(claims), None, Secret(""), "local-staff", agent_group)
    assert (who.name, who.can_act) == ("lois@dailyplanet.example", can_act)


def test_the_local_token_holder_is_a_full_agent_whatever_the_group() -> None:
    who = caller(None, f"Bearer {TOKEN.reveal()}", TOKEN, "local-staff", "reader-services")
    assert who == Caller("local-staff", True)
    with pytest.raises(NotStaff):
        caller(None, "Bearer wrong", TOKEN, "local-staff", "reader-services")


def test_a_reader_is_refused_with_the_missing_group_and_the_fix() -> None:
    reader = Caller("clark@dailyplanet.example", False, ("editors",))
    with pytest.raises(NotAgent) as refused:
        require_agent(reader, "reader-services")
    assert refused.value.group == "reader-services"
    assert "'reader-services'" in str(refused.value) and "admin-add-user-to-group" in str(refused.value)
    assert require_agent(Caller("lois", True), "reader-services").name == "lois"


@pytest.mark.parametrize(("environ", "group"), [
    ({}, DEFAULT_AGENT_GROUP), ({ENV_INBOX_AGENT_GROUP: "night-desk"}, "night-desk"),
    ({ENV_INBOX_AGENT_GROUP: ""}, ""),  # set but empty: the operator switched the check off
])
def test_the_agent_group_setting(environ: dict[str, str], group: str, tmp_path: Any) -> None:
    pipeline = Settings.load(environ={}, state_dir=tmp_path)
    assert InboxSettings.load(pipeline, environ).agent_group == group


def test_an_agent_group_with_whitespace_is_refused_naming_the_fix(tmp_path: Any) -> None:
    pipeline = Settings.load(environ={}, state_dir=tmp_path)
    with pytest.raises(SettingsError, match=r"PLANETMAIL_INBOX_AGENT_GROUP.*whitespace"):
        InboxSettings.load(pipeline, {ENV_INBOX_AGENT_GROUP: "reader services"})

"""Role-based authorisation on the real stack, through the shipped Lambda handler (Mangum) with API
Gateway's own HTTP API sample event carrying the JWT authorizer's claims: a caller outside the agent
group reads everything but every write is a 403 problem naming the group and the fix — and nothing was
written (item, counters, every topic of the test's prefix unchanged); an agent still acts."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inbox_stack import an_email, read_topic, stored
from kafka import TopicPartition

from inbox import app as inbox_app
from inbox.runtime import Runtime
from planetmail import topics
from planetmail.kafka import make_consumer
from planetmail.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = json.loads((ROOT / "tests/fixtures/sam_app/events/apigateway-http-api-proxy.json").read_text())
READER = {"sub": "5678", "email": "clark@dailyplanet.example", "cognito:groups": "[editors]"}
AGENT = {"sub": "1234", "email": "lois@dailyplanet.example", "cognito:groups": "[editors reader-services]"}
NOBODY = "01NOSUCHMESSAGE0000000000A"


class _Context:
    function_name = "InboxFunction"
    aws_request_id = "test"


Answer = tuple[int, str, Any]
"""Status, content type and JSON body of one answer."""
Call = Callable[..., Answer]


@pytest.fixture
def call(runtime: Runtime) -> Call:
    """Requests to the shipped handler's setup (``lambda_handler``) on the test's tables and topics."""
    assert runtime.settings.agent_group == "reader-services"  # the default
    handler = inbox_app.lambda_handler(inbox_app.create_app(runtime))

    def request(method: str, path: str, claims: dict[str, Any], body: Any = None) -> Answer:
        """One request as API Gateway hands it over after its JWT authorizer verified ``claims``."""
        event = copy.deepcopy(SAMPLE)
        route, _, query = path.partition("?")
        parameters = dict(part.split("=", 1) for part in query.split("&") if part)
        event.update(rawPath=route, rawQueryString=query, isBase64Encoded=False, cookies=[],
                     queryStringParameters=parameters or None,
                     headers={"accept": "application/json", "content-type": "application/json"},
                     body=None if body is None else json.dumps(body))
        event["requestContext"]["http"].update(method=method, path=route)
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
        answer = handler(event, _Context())
        text = base64.b64decode(answer["body"]).decode() if answer.get("isBase64Encoded") else answer["body"]
        return answer["statusCode"], answer["headers"].get("content-type", ""), json.loads(text)

    return request


def topic_sizes(settings: Settings) -> dict[str, int]:
    """Records per topic of the test's prefix (end offsets): any write would grow one."""
    consumer = make_consumer(settings, group_id=None)
    try:
        names = [name for name in consumer.topics() if name.startswith(settings.topic_prefix)]
        sizes = {}
        for name in names:
            partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
            sizes[name] = sum(consumer.end_offsets(partitions).values())
        return sizes
    finally:
        consumer.close()


def writes(tracking_id: str) -> list[tuple[str, Any]]:
    """Every write the API offers, on one message."""
    return [
        (f"/inbox/api/messages/{tracking_id}/label", {"category": "complaints"}),
        (f"/inbox/api/messages/{tracking_id}/handled", None),
        (f"/inbox/api/messages/{tracking_id}/reopen", None),
        (f"/inbox/api/messages/{tracking_id}/spam", None),
        (f"/inbox/api/messages/{tracking_id}/not-spam", {"category": "questions"}),
        (f"/inbox/api/messages/{tracking_id}/notes", {"text": "I was here"}),
        ("/inbox/api/bulk", {"ids": [tracking_id], "action": "handled"}),
        ("/inbox/api/bulk", {"ids": [tracking_id], "action": "label", "category": "praise"}),
        (f"/inbox/api/messages/{NOBODY}/handled", None),  # 403 before the lookup: no existence oracle
        (f"/inbox/api/messages/{tracking_id}/label", {"category": "gossip"}),  # 403 before validation
    ]


def test_a_reader_reads_all_and_every_write_is_refused_without_a_trace(call: Call, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email("Where is my paper?"), "human_review")
    status, _, me = call("GET", "/inbox/api/me", READER)
    assert status == 200
    assert (me["user"], me["can_act"], me["agent_group"], me["groups"]) == \
        ("clark@dailyplanet.example", False, "reader-services", ["editors"])
    for path in ("/inbox/api/queues", "/inbox/api/messages?queue=human_review",
                 f"/inbox/api/messages/{email.id}", f"/inbox/api/messages?q={email.id}"):
        status, _, body = call("GET", path, READER)
        assert status == 200, (path, body)
    assert call("GET", f"/inbox/api/messages/{email.id}", READER)[2]["id"] == email.id

    pipeline = runtime.settings.pipeline
    item, counts, sizes = runtime.store.get(email.id), runtime.store.counts(), topic_sizes(pipeline)
    for path, body in writes(email.id):
        status, content_type, problem = call("POST", path, READER, body)
        assert (status, content_type) == (403, "application/problem+json"), (path, problem)
        assert problem["missing_group"] == "reader-services"
        assert "clark@dailyplanet.example" in problem["detail"] and "'reader-services'" in problem["detail"]
        assert "admin-add-user-to-group" in problem["detail"]
    assert runtime.store.get(email.id) == item
    assert runtime.store.counts() == counts
    assert topic_sizes(pipeline) == sizes  # no mail.feedback, mail.events, classified record


def test_an_agent_acts_and_the_feedback_names_them(call: Call, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email("Cancel my subscription", "Please stop."), "human_review")
    status, _, me = call("GET", "/inbox/api/me", AGENT)
    assert (status, me["can_act"]) == (200, True)
    relabel = {"category": "subscriptions"}
    status, _, moved = call("POST", f"/inbox/api/messages/{email.id}/label", AGENT, relabel)
    assert (status, moved["category"]) == (200, "subscriptions")
    status, _, bulk = call("POST", "/inbox/api/bulk", AGENT, {"ids": [email.id], "action": "handled"})
    assert status == 200 and [result["ok"] for result in bulk["results"]] == [True]
    feedback = [r for r in read_topic(runtime.settings.pipeline, topics.FEEDBACK, 2) if r["id"] == email.id]
    assert [(r["decision"], r["by"]) for r in feedback] == \
        [("relabel", "lois@dailyplanet.example"), ("handled", "lois@dailyplanet.example")]


def test_a_list_of_groups_from_a_direct_invocation_counts_as_membership(call: Call, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email(), "questions")
    claims = {**AGENT, "cognito:groups": ["reader-services"]}
    assert call("POST", f"/inbox/api/messages/{email.id}/handled", claims)[0] == 200
    no_groups = {key: value for key, value in AGENT.items() if key != "cognito:groups"}
    assert call("POST", f"/inbox/api/messages/{email.id}/reopen", no_groups)[0] == 403


def test_the_local_token_is_still_a_full_agent(client: Any, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email(), "praise")
    me = client.get("/inbox/api/me").json()
    assert (me["user"], me["can_act"]) == ("ana@dailyplanet.example", True)
    assert client.post(f"/inbox/api/messages/{email.id}/handled").status_code == 200


def test_the_openapi_describes_who_may_act(client: Any) -> None:
    schema = client.get("/inbox/api/openapi.json").json()
    me = schema["components"]["schemas"]["Me"]["properties"]
    assert {"user", "can_act", "agent_group"} <= set(me)
    posts = {path: spec["post"] for path, spec in schema["paths"].items() if "post" in spec}
    assert len(posts) == 7
    assert all("403" in spec["responses"] for spec in posts.values())
    gets = [spec["get"] for spec in schema["paths"].values() if "get" in spec]
    assert not any("403" in spec["responses"] for spec in gets)

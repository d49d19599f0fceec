"""The inbox's JSON API on the real stack: decisions land on mail.feedback, the category topics and
mail.events (and in the status timeline); errors are problem+json with the cause."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from inbox_stack import an_email, read_topic, stored

from inbox import app as inbox_app
from inbox.runtime import Runtime
from planetmail import topics
from planetmail.inbound import Attachment

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def test_reassigning_records_feedback_moves_the_message_and_audits_it(client: TestClient,
                                                                        runtime: Runtime) -> None:
    email = stored(runtime.store, an_email("Cancel my subscription", "Please stop the paper."),
                   "human_review")
    response = client.post(f"/inbox/api/messages/{email.id}/label", json={"category": "subscriptions"})
    assert response.status_code == 200, response.text
    assert response.json()["category"] == "subscriptions"
    settings = runtime.settings.pipeline
    [feedback] = [r for r in read_topic(settings, topics.FEEDBACK, 1) if r["id"] == email.id]
    assert (feedback["decision"], feedback["old_label"], feedback["new_label"], feedback["by"]) == \
        ("relabel", "human_review", "subscriptions", "ana@dailyplanet.example")
    assert feedback["text"] == "Please stop the paper." and feedback["model_label"] == "human_review"
    [moved] = read_topic(settings, topics.classified("subscriptions"), 1)
    assert (moved["id"], moved["classification"]["category"]) == (email.id, "subscriptions")
    events = [e for e in read_topic(settings, topics.EVENTS, 1) if e["id"] == email.id]
    assert [(e["stage"], e["state"], e["detail"]["new_label"]) for e in events] == \
        [("inbox", "reassigned", "subscriptions")]
    assert [step["state"] for step in runtime.status.timeline(email.id)] == ["reassigned"]
    queues = {q["queue"]: q for q in client.get("/inbox/api/queues").json()["queues"]}
    assert (queues["human_review"]["open"]["total"], queues["subscriptions"]["open"]["total"]) == (0, 1)
    assert next(iter(queues)) == "human_review"


def test_spam_closes_the_message_and_a_note_is_kept(client: TestClient, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email("WIN A PRIZE", "Click here"), "questions")
    assert client.post(f"/inbox/api/messages/{email.id}/notes", json={"text": "obvious scam"}).status_code \
        == 200
    marked = client.post(f"/inbox/api/messages/{email.id}/spam").json()
    assert (marked["category"], marked["state"], marked["handled_by"]) == \
        ("spam", "handled", "ana@dailyplanet.example")
    view = client.get(f"/inbox/api/messages/{email.id}").json()
    assert [note["text"] for note in view["notes"]] == ["obvious scam"]
    assert [step["state"] for step in view["timeline"]] == ["noted", "reassigned", "handled"]
    listed = client.get("/inbox/api/messages", params={"queue": "spam", "state": "handled"}).json()
    assert [item["id"] for item in listed["items"]] == [email.id]


def test_bulk_actions_report_each_message(client: TestClient, runtime: Runtime) -> None:
    first, second = (stored(runtime.store, an_email(f"Thanks {n}"), "praise") for n in range(2))
    unknown = "01NOSUCHMESSAGE0000000000A"
    selection = {"ids": [first.id, unknown, second.id], "action": "handled"}
    response = client.post("/inbox/api/bulk", json=selection)
    assert [(r["id"], r["ok"]) for r in response.json()["results"]] == \
        [(first.id, True), (unknown, False), (second.id, True)]


def test_the_message_view_is_sanitised(client: TestClient, runtime: Runtime) -> None:
    html = ('<p onclick="steal()">Hello<script>alert(1)</script><img src="https://tracker.example/p.gif">'
            '<a href="javascript:alert(2)">x</a></p>')
    email = stored(runtime.store, an_email("Hi", "Hello", html=html), "praise")
    body = client.get(f"/inbox/api/messages/{email.id}").json()["email"]
    assert "script" not in body["html"] and "onclick" not in body["html"]
    assert "tracker.example" not in body["html"] and "javascript" not in body["html"]
    assert body["remote_images_blocked"] == 1


@pytest.mark.parametrize(("method", "path", "body", "status", "detail"), [
    ("get", "/inbox/api/messages/01NOSUCHMESSAGE0000000000A", None, 404, "no message"),
    ("post", "/inbox/api/messages/01NOSUCHMESSAGE0000000000A/handled", None, 404, "no message"),
    ("get", "/inbox/api/messages?cursor=garbage!", None, 400, "cursor"),
    ("get", "/inbox/api/messages?limit=0", None, 400, "limit"),
    ("get", "/inbox/api/messages?queue=nonsense", None, 400, "queue"),
    ("post", "/inbox/api/bulk", {"ids": [], "action": "handled"}, 400, "ids"),
])
def test_bad_requests_are_problems_naming_the_cause(client: TestClient, method: str, path: str,
                                                    body: Any, status: int, detail: str) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_an_unknown_category_is_refused(client: TestClient, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email(), "questions")
    response = client.post(f"/inbox/api/messages/{email.id}/label", json={"category": "gossip"})
    assert response.status_code == 400 and "unknown category 'gossip'" in response.json()["detail"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic c3RhZmY6c3RhZmY="])
def test_staff_credentials_are_required(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    client.headers.pop("Authorization")
    response = client.get("/inbox/api/queues", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_page_is_served_without_credentials_and_locked_down(client: TestClient) -> None:
    client.headers.pop("Authorization")
    page = client.get("/inbox/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/inbox/inbox.js").status_code == 200
    assert client.get("/inbox/secrets.txt").status_code == 404


def test_on_aws_the_jwt_authorizer_names_the_staff_member(runtime: Runtime, monkeypatch: Any) -> None:
    """Through Mangum with API Gateway's own sample event: the verified claims name who acts."""
    monkeypatch.setattr(inbox_app.app.state, "runtime", Runtime(_without_token(runtime)))
    sample = ROOT / "tests" / "fixtures" / "sam_app" / "events" / "apigateway-http-api-proxy.json"
    event = copy.deepcopy(json.loads(sample.read_text()))
    event.update(rawPath="/inbox/api/me", rawQueryString="", body=None, isBase64Encoded=False,
                 queryStringParameters={}, headers={"accept": "application/json"}, cookies=[])
    event["requestContext"]["http"].update(method="GET", path="/inbox/api/me")
    claims = {"sub": "1234", "email": "lois@dailyplanet.example"}
    event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    answer = inbox_app.handler(event, _Context())
    assert answer["statusCode"] == 200, answer
    body = answer["body"] if not answer.get("isBase64Encoded") else base64.b64decode(answer["body"]).decode()
    assert json.loads(body)["staff"] == "lois@dailyplanet.example"
    del event["requestContext"]["authorizer"]
    assert inbox_app.handler(event, _Context())["statusCode"] == 401  # no authorizer and no token: refused


def _without_token(runtime: Runtime) -> Any:
    import dataclasses

    from planetmail.settings import Secret
    return dataclasses.replace(runtime.settings, token=Secret(""))


class _Context:
    function_name = "InboxFunction"
    aws_request_id = "test"


def test_attachments_and_the_raw_message_are_presigned_claim_check_links(client: TestClient,
                                                                         runtime: Runtime) -> None:
    s3 = runtime.s3
    bucket = f"inbox-claims-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="att/1/invoice.pdf", Body=b"%PDF-1.4 invoice")
        s3.put_object(Bucket=bucket, Key="raw/1.eml", Body=b"Subject: Invoice\r\n\r\nsee attached")
        attachment = Attachment(filename="invoice.pdf", content_type="application/pdf", size=16,
                                s3_uri=f"s3://{bucket}/att/1/invoice.pdf")
        email = an_email("Invoice", "see attached").model_copy(
            update={"attachments": [attachment], "raw_s3_uri": f"s3://{bucket}/raw/1.eml"})
        stored(runtime.store, email, "advertising")
        body = client.get(f"/inbox/api/messages/{email.id}").json()["email"]
        [listed] = body["attachments"]
        assert (listed["filename"], "s3_uri" in listed) == ("invoice.pdf", False)
        assert httpx.get(listed["url"], timeout=10).content == b"%PDF-1.4 invoice"
        assert httpx.get(body["raw_url"], timeout=10).content.startswith(b"Subject: Invoice")
    finally:
        for key in ("att/1/invoice.pdf", "raw/1.eml"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)


def test_a_decision_that_changes_nothing_is_refused(client: TestClient, runtime: Runtime) -> None:
    email = stored(runtime.store, an_email(), "questions")
    assert client.post(f"/inbox/api/messages/{email.id}/handled").status_code == 200
    again = client.post(f"/inbox/api/messages/{email.id}/handled")
    assert again.status_code == 400 and "already is questions and handled" in again.json()["detail"]


def test_the_message_view_shows_the_models_top_signals(client: TestClient, runtime: Runtime) -> None:
    explanation = {"towards": "complaints", "signals": [{"name": "not delivered", "weight": 0.041},
                                                        {"name": "thanks", "weight": -0.012}]}
    explained = stored(runtime.store, an_email("Late", "My paper was not delivered, thanks."), "complaints",
                       explanation=explanation)
    older = stored(runtime.store, an_email("Late", "Still no paper."), "complaints")  # before signals
    malformed = stored(runtime.store, an_email("Late", "No paper."), "complaints",
                       explanation={"towards": "complaints", "signals": [{"name": "x" * 500, "weight": 1}]})
    assert client.get(f"/inbox/api/messages/{explained.id}").json()["explanation"] == explanation
    for unexplained in (older, malformed):  # listed all the same, without signals
        view = client.get(f"/inbox/api/messages/{unexplained.id}")
        assert view.status_code == 200 and "explanation" not in view.json()

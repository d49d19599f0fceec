"""The SMTP sink of a throwaway instance: messages stored as .eml, the viewer's JSON API, injected faults."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest

from planetmail_local.stack.config import StackConfig

pytestmark = pytest.mark.integration


@pytest.fixture
def viewer(throwaway_sink: StackConfig) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=throwaway_sink.smtp_viewer_url, timeout=10) as client:
        client.delete("/api/messages")
        yield client
        client.delete("/api/faults")


def send(config: StackConfig, subject: str, html: str | None = None) -> None:
    message = EmailMessage()
    message["From"] = "Lois Lane <lois@dailyplanet.example>"
    message["To"] = "reader@example.org"
    message["Subject"] = subject
    message.set_content(f"text of {subject}")
    if html:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP(config.host, config.smtp_port, timeout=10) as smtp:
        smtp.send_message(message, from_addr="bounces@dailyplanet.example", to_addrs=["reader@example.org"])


def test_messages_are_listed_newest_first_with_envelope_headers_and_bodies(
    throwaway_sink: StackConfig, viewer: httpx.Client
) -> None:
    send(throwaway_sink, "first")
    send(throwaway_sink, "second", html="<p>second</p>")

    listed = viewer.get("/api/messages").json()

    assert [m["subject"] for m in listed] == ["second", "first"]
    newest = listed[0]
    assert newest["mail_from"] == "bounces@dailyplanet.example"
    assert newest["rcpt_tos"] == ["reader@example.org"]
    assert ["To", "reader@example.org"] in newest["headers"]
    assert newest["text"].strip() == "text of second" and newest["html"].strip() == "<p>second</p>"
    assert newest["received_at"]
    assert viewer.get(f"/api/messages/{newest['id']}").json()["subject"] == "second"
    assert (throwaway_sink.data_dir / "smtp" / f"{newest['id']}.eml").is_file()


def test_pollers_read_only_what_arrived_after_their_cursor(
    throwaway_sink: StackConfig, viewer: httpx.Client
) -> None:
    send(throwaway_sink, "seen")
    cursor = viewer.get("/api/messages").json()[0]["id"]
    send(throwaway_sink, "new")

    assert [m["subject"] for m in viewer.get("/api/messages", params={"after": cursor}).json()] == ["new"]
    refused = viewer.get("/api/messages", params={"after": "../x"})
    assert refused.status_code == 422 and "query.after" in refused.json()["detail"]


def test_unknown_message_is_a_problem_document(viewer: httpx.Client) -> None:
    response = viewer.get("/api/messages/00000-missing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "00000-missing" in response.json()["detail"]


def test_delete_empties_the_sink(throwaway_sink: StackConfig, viewer: httpx.Client) -> None:
    send(throwaway_sink, "to delete")
    assert viewer.delete("/api/messages").json() == {"deleted": 1}
    assert viewer.get("/api/messages").json() == []


@pytest.mark.parametrize(("stage", "code", "error"), [
    ("rcpt", 451, smtplib.SMTPRecipientsRefused),
    ("rcpt", 550, smtplib.SMTPRecipientsRefused),
    ("data", 451, smtplib.SMTPDataError),
])
def test_injected_fault_refuses_the_next_messages_then_recovers(
    throwaway_sink: StackConfig, viewer: httpx.Client, stage: str, code: int, error: type[Exception]
) -> None:
    viewer.put("/api/faults", json={"stage": stage, "code": code, "count": 1}).raise_for_status()

    with pytest.raises(error) as refused:
        send(throwaway_sink, "refused")
    send(throwaway_sink, "accepted")

    assert str(code) in str(refused.value)
    assert [m["subject"] for m in viewer.get("/api/messages").json()] == ["accepted"]


def test_fault_request_out_of_range_is_rejected(viewer: httpx.Client) -> None:
    response = viewer.put("/api/faults", json={"stage": "rcpt", "code": 250})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("body.code:")


def test_viewer_page_is_served(viewer: httpx.Client) -> None:
    response = viewer.get("/")
    assert response.status_code == 200 and "api/messages" in response.text


def test_pages_go_back_in_time_with_before_and_search_with_q(
    throwaway_sink: StackConfig, viewer: httpx.Client
) -> None:
    for number in range(5):
        send(throwaway_sink, f"note {number}" if number % 2 else f"Re: Delivery {number}")
    first = viewer.get("/api/messages", params={"limit": 2, "full": "false"})
    assert [m["subject"] for m in first.json()] == ["Re: Delivery 4", "note 3"]
    assert first.headers["X-Total-Count"] == "5"
    assert "text" not in first.json()[0]
    second = viewer.get("/api/messages", params={"limit": 2, "before": first.json()[-1]["id"]}).json()
    assert [m["subject"] for m in second] == ["Re: Delivery 2", "note 1"]
    found = viewer.get("/api/messages", params={"q": "DELIVERY"})
    assert [m["subject"] for m in found.json()] == ["Re: Delivery 4", "Re: Delivery 2", "Re: Delivery 0"]
    assert found.headers["X-Total-Count"] == "3"
    assert viewer.get("/api/messages", params={"q": "100%_"}).json() == []
    assert viewer.get("/api/messages", params={"limit": 0}).status_code == 422

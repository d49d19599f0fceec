"""The page offers a read-only caller no write action, in real headless Chromium (Debian's).

The real inbox app is served by uvicorn on a free port behind a stand-in for API Gateway's JWT
authorizer (it adds the verified claims to each request, as Mangum does from the Lambda event); the
page learns what the caller may do from ``api/me`` only. A reader sees the messages but no action bar,
bulk bar or note form, and the keyboard shortcuts change nothing; an agent gets them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inbox_stack import an_email, stored
from playwright.sync_api import Page, expect, sync_playwright

from inbox.app import create_app
from inbox.runtime import Runtime
from planetmail_local.observability.server import serve_app_in_background

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
READER = {"sub": "5678", "email": "clark@dailyplanet.example", "cognito:groups": "[editors]"}
AGENT = {"sub": "1234", "email": "lois@dailyplanet.example", "cognito:groups": "[reader-services]"}
WRITE_CONTROLS = ("#message-actions", "#bulk-bar", "#note-form")


def behind_authorizer(app: Any, claims: dict[str, Any]) -> Any:
    """``app`` as the JWT authorizer + Mangum hand it requests: the verified claims in ``aws.event``."""
    event = {"requestContext": {"authorizer": {"jwt": {"claims": claims}}}}

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "aws.event": event} if scope["type"] == "http" else scope, receive, send)

    return asgi


def served(runtime: Runtime, claims: dict[str, Any]) -> Iterator[str]:
    """The page's URL, served for one loop pass (the token is any: the claims decide)."""
    with serve_app_in_background(behind_authorizer(create_app(runtime), claims)) as base:
        yield f"{base}/inbox/#token=jwt-checked-by-the-gateway"


@pytest.fixture
def browser_page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def open_message(page: Page, url: str, subject: str) -> None:
    page.goto(url)
    page.get_by_role("button", name=subject).click()
    page.wait_for_selector("#view-body:not([hidden])")


def test_a_reader_is_offered_no_write_action(runtime: Runtime, browser_page: Page, tmp_path: Path) -> None:
    email = stored(runtime.store, an_email("Where is my paper?"), "human_review")
    before = runtime.store.get(email.id)
    for url in served(runtime, READER):
        open_message(browser_page, url, "Where is my paper?")
        assert "clark@dailyplanet.example" in browser_page.inner_text("#who")
        assert "reader-services" in browser_page.inner_text("#read-only")
        for control in WRITE_CONTROLS:
            assert browser_page.is_hidden(control), control
        assert browser_page.locator("#rows input[type=checkbox]").first.is_disabled()
        browser_page.keyboard.press("e")
        browser_page.keyboard.press("#")
        expect(browser_page.locator("#status")).to_contain_text("Read only")
        browser_page.screenshot(path=tmp_path / "inbox-read-only.png", full_page=True)
        print(f"screenshot: {tmp_path / 'inbox-read-only.png'}")
    assert runtime.store.get(email.id) == before


def test_an_agent_is_offered_every_action(runtime: Runtime, browser_page: Page) -> None:
    email = stored(runtime.store, an_email("Cancel my subscription"), "human_review")
    for url in served(runtime, AGENT):
        open_message(browser_page, url, "Cancel my subscription")
        assert browser_page.is_hidden("#read-only")
        for control in WRITE_CONTROLS:
            assert browser_page.is_visible(control), control
        browser_page.keyboard.press("e")
        expect(browser_page.locator("#status")).to_contain_text("Marked handled")
    assert runtime.store.get(email.id)["state"] == {"S": "handled"}  # the DynamoDB item itself

"""The reader-services inbox in real headless Chromium, on planetmail's own template in the emulator.

Mail goes in through the Postmark webhook, through the collector, the processor and the inbox's
indexer (all in emulator workers, on unique topics and a staff table of this test's own); staff then
work it in the page with the keyboard: reassign a human_review message, mark another spam. The
decisions must be on ``mail.feedback``; axe-core must find no serious accessibility violation.
Screenshots land in the test's tmp_path (printed).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from inbox.table import INBOX_TABLE_KEYS
from planetmail import aws, codec, topics
from planetmail.classification import CATEGORIES, OTHER
from planetmail.inbound import utcnow
from planetmail.kafka import make_consumer
from planetmail.settings import Settings
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import StackConfig, free_port
from planetmail_local.stack.npm import install_npm_project
from planetmail_local.stack.steps import ClassifierModel
from planetmail_local.stack.topics import delete_topics, ensure_topics
from processor import artifact

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
STAFF_TOKEN = "inbox-browser-" + uuid.uuid4().hex
POSTMARK = ("pm-user", "pm-pass")
SERIOUS = ("serious", "critical")


@dataclasses.dataclass(frozen=True)
class Pipeline:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def axe_script(stack_settings: Settings) -> str:
    """axe-core from npm, pinned by tests/browser/axe/package-lock.json, installed once in the cache."""
    modules = install_npm_project(
        Path(__file__).with_name("axe"), stack_settings.cache_dir / "browser-tools",
        stack_settings.state_dir / "logs" / "browser-tools.log", "axe-core",
        "npm could not install the browser tests' tools (axe-core); fix the npm registry access and rerun")
    return (modules / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def private_state_dir(stack_settings: Settings, target: Path) -> Path:
    """A state folder holding the stack's live model and local.json, so that models this test trains
    and promotes never become the shared stack's latest."""
    ClassifierModel(StackConfig.from_settings(stack_settings)).run()
    live = artifact.resolve(stack_settings).parent
    models = artifact.models_dir(dataclasses.replace(stack_settings, state_dir=target))
    shutil.copytree(live, models / live.name)
    (models / artifact.LATEST_NAME).write_text(live.name + "\n", encoding="utf-8")
    shutil.copy2(stack_settings.state_dir / "local.json", target / "local.json")
    return target


@pytest.fixture(scope="module")
def pipeline(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    state_dir = private_state_dir(stack_settings, tmp_path_factory.mktemp("inbox-state"))
    settings = dataclasses.replace(stack_settings, topic_prefix=f"ib{os.getpid()}{int(time.time())}.",
                                   state_dir=state_dir, zk_root=f"/planetmail-inbox-browser-{os.getpid()}")
    ensure_topics(settings)
    table = f"inbox-browser-{uuid.uuid4().hex[:8]}"
    dynamodb = aws.client("dynamodb", settings)
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **INBOX_TABLE_KEYS)
    environment = {
        "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps({"postmark": ":".join(POSTMARK)}),
        "AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        "PLANETMAIL_ZK_ROOT": settings.zk_root,
        "PLANETMAIL_INBOX_TOKEN": STAFF_TOKEN,
        "PLANETMAIL_STATE_DIR": str(state_dir),  # the processors load (and hot-swap) models from here
    }
    application = load_application(ROOT / "template.yaml", parameter_overrides={
        "KafkaBootstrapServers": settings.kafka_bootstrap, "TopicPrefix": settings.topic_prefix,
        "SmtpHost": settings.smtp_host, "SmtpPort": str(settings.smtp_port), "InboxTableName": table})
    options = EmulatorOptions(log_dir=tmp_path_factory.mktemp("inbox-logs"), api_port=free_port(),
                              lambda_port=free_port(), workers=1)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        emulator = Emulator(application, options)
        emulator.start(kafka=True, schedules=False)
        try:
            yield Pipeline(f"http://127.0.0.1:{options.api_port}", settings)
        finally:
            emulator.stop()
            dynamodb.delete_table(TableName=table)
            delete_topics(settings)


def postmark(subject: str, text: str) -> dict[str, Any]:
    sender = f"reader.{uuid.uuid4().hex[:8]}@subscribers.example"
    return {
        "FromName": "A Reader", "From": sender, "FromFull": {"Email": sender, "Name": "A Reader"},
        "To": "letters@dailyplanet.example", "ToFull": [{"Email": "letters@dailyplanet.example"}],
        "Subject": subject, "MessageID": str(uuid.uuid4()), "Date": format_datetime(utcnow()),
        "TextBody": text, "HtmlBody": f"<p>{text}</p><script>document.title='pwned'</script>"
                                      '<img src="https://tracker.example/pixel.gif">',
        "Headers": [{"Name": "Message-ID", "Value": make_msgid(domain="subscribers.example")}],
        "Attachments": [],
    }


def send(pipeline: Pipeline, subject: str, text: str) -> str:
    basic = base64.b64encode(":".join(POSTMARK).encode()).decode()
    response = httpx.post(f"{pipeline.url}/webhooks/postmark", json=postmark(subject, text),
                          headers={"Authorization": f"Basic {basic}"}, timeout=30)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def listed(pipeline: Pipeline, tracking_id: str, timeout_s: float = 90) -> dict[str, Any]:
    """The message as the inbox API lists it, once the processor and the indexer are through."""
    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    while time.monotonic() < deadline:
        items = httpx.get(f"{pipeline.url}/inbox/api/messages", params={"q": tracking_id}, headers=headers,
                          timeout=30).json()["items"]
        if items:
            return dict(items[0])
        time.sleep(0.5)
    raise AssertionError(f"{tracking_id} never reached the inbox")


def feedback(settings: Settings, expected: int, wanted: str = "") -> dict[str, dict[str, Any]]:
    """The decisions on mail.feedback by message id, once ``expected`` of them (and ``wanted``) are read."""
    consumer = make_consumer(settings, settings.topic(topics.FEEDBACK), group_id=None)
    records: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 20
    try:
        while (len(records) < expected or wanted not in {"", *records}) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.update({(r := codec.load_object(m.value))["id"]: r for m in batch})
    finally:
        consumer.close()
    return records


def open_inbox(browser: Browser, pipeline: Pipeline, **context: Any) -> Page:
    page = browser.new_context(viewport={"width": 1500, "height": 1000}, **context).new_page()
    page.goto(f"{pipeline.url}/inbox/#token={STAFF_TOKEN}")
    page.wait_for_selector("#queue-list button.queue", timeout=20_000)  # the first update arrived
    return page


def row(page: Page, tracking_id: str) -> str:
    """The message's row (the page's CSP forbids eval, so the test waits on selectors, not predicates)."""
    return f'#rows tr[data-id="{tracking_id}"]'


def test_staff_work_the_inbox_in_chromium(pipeline: Pipeline, axe_script: str, tmp_path: Path) -> None:
    unreadable = send(pipeline, "???", "?? !! ...")  # no word at all: human review, confidence 0
    thanks = send(pipeline, "Thank you", "Thank you for the wonderful coverage of the city elections.")
    complaint = send(pipeline, "Paper not delivered", "My newspaper was not delivered again this morning.")
    queue_of = {tracking_id: listed(pipeline, tracking_id)["category"]
                for tracking_id in (unreadable, thanks, complaint)}
    assert queue_of[unreadable] == "human_review"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = open_inbox(browser, pipeline)
            # Mail sent through the webhook is in its queue (human review is the first one shown).
            page.wait_for_selector(row(page, unreadable))
            later = send(pipeline, "…", "¿¿ !! ??")  # arrives while the page is open: no reload needed
            page.wait_for_selector(row(page, later), timeout=90_000)
            page.click(f'button.queue[data-queue="{queue_of[complaint]}"]')
            page.wait_for_selector(row(page, complaint))
            page.screenshot(path=str(tmp_path / "inbox-queue.png"), full_page=True)

            # Keyboard only: g 1 = human review, j = first message, l = category, Enter = reassign.
            page.keyboard.press("g")
            page.keyboard.press("1")
            page.wait_for_selector(row(page, unreadable))
            page.keyboard.press("j")
            page.wait_for_selector(f'#view-body[data-id="{unreadable}"]')
            assert page.title() == "Reader services inbox · planetmail"  # the mail's script never ran
            page.keyboard.press("l")
            assert page.evaluate("document.activeElement.id") == "reassign"
            page.select_option("#reassign", "subscriptions")
            page.keyboard.press("Enter")
            page.wait_for_selector(row(page, unreadable), state="detached")
            page.screenshot(path=str(tmp_path / "inbox-reassigned.png"), full_page=True)

            # Mark another message spam with '#'.
            page.click(f'button.queue[data-queue="{queue_of[thanks]}"]')
            page.click(f'{row(page, thanks)} button.subject')
            page.wait_for_selector(f'#view-body[data-id="{thanks}"]')
            assert "1 remote image(s) blocked." in page.inner_text("#remote-images")
            page.click("body")
            page.keyboard.press("#")
            page.wait_for_selector(row(page, thanks), state="detached")

            records = feedback(pipeline.settings, 2)
            assert (records[unreadable]["decision"], records[unreadable]["old_label"],
                    records[unreadable]["new_label"]) == ("relabel", "human_review", "subscriptions")
            assert (records[thanks]["decision"], records[thanks]["old_label"], records[thanks]["new_label"]) \
                == ("spam", queue_of[thanks], "spam")
            assert {record["by"] for record in records.values()} == {"local-staff"}

            # axe-core on the page with a message open (the page's CSP is bypassed only to inject axe).
            audited = open_inbox(browser, pipeline, bypass_csp=True)
            audited.click(f'button.queue[data-queue="{queue_of[complaint]}"]')
            audited.click(f'{row(audited, complaint)} button.subject')
            audited.wait_for_selector("#view-body:not([hidden])")
            # The processor's top signals: words of the message, with their pull towards its category.
            audited.wait_for_selector("#signals-rows tr")
            towards = audited.inner_text("#signals-towards")  # human_review: towards the model's guess
            assert any(f"against {category} " in towards for category in (*CATEGORIES, OTHER)), towards
            words = audited.eval_on_selector_all("#signals-rows td:first-child",
                                                 "cells => cells.map(c => c.textContent)")
            sent = {"paper", "not", "delivered", "my", "newspaper", "was", "again", "this", "morning"}
            assert words and all(part in sent for word in words for part in word.split())
            audited.add_script_tag(content=axe_script)
            violations = audited.evaluate("async () => (await axe.run(document)).violations.map("
                                          "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
            audited.screenshot(path=str(tmp_path / "inbox-message.png"), full_page=True)
            print(f"inbox screenshots: {sorted(str(p) for p in tmp_path.glob('*.png'))}")
            print(f"axe violations (all impacts): {violations}")
            assert [v for v in violations if v["impact"] in SERIOUS] == []
        finally:
            browser.close()


CORRECTED = ("Pothole photo from Elm Street",
             "Your reporters should see the crater swallowing cars outside number 12 Elm Street.")
NEAR_DUPLICATE = ("Pothole photos from Elm Street",
                  "Your reporters should see the crater swallowing cars outside 14 Elm Street.")


def planetmail(settings: Settings, *argv: str) -> str:
    """The planetmail CLI, on this test's topics, configuration root and state folder."""
    from click.testing import CliRunner

    from planetmail_local.cli.main import cli

    env = {"PLANETMAIL_STATE_DIR": str(settings.state_dir), "PLANETMAIL_ZK_ROOT": settings.zk_root,
           "PLANETMAIL_TOPIC_PREFIX": settings.topic_prefix}
    result = CliRunner().invoke(cli, list(argv), env=env)
    assert result.exit_code == 0, f"planetmail {' '.join(argv)}: {result.output}"
    return result.stdout


def classified_by(pipeline: Pipeline, version: str, timeout_s: float = 60) -> dict[str, Any]:
    """A near-duplicate as listed once the processors run ``version`` (each worker swaps on the config
    watch; one sent while a worker still held the old model is sent again)."""
    deadline = time.monotonic() + timeout_s
    while (item := listed(pipeline, send(pipeline, *NEAR_DUPLICATE)))["model_version"] != version:
        assert time.monotonic() < deadline, f"the processors still run {item['model_version']}, not {version}"
    return item


def test_a_staff_correction_retrains_and_the_promoted_model_routes_its_near_duplicate(
        pipeline: Pipeline, tmp_path: Path) -> None:
    """The whole loop: a staff reassignment in the page, train --with-feedback, model promote (gated),
    and the running processor (no restart) routing a near-duplicate to the corrected category."""
    corrected = send(pipeline, *CORRECTED)
    before = listed(pipeline, corrected)
    target = "news_tips" if before["category"] != "news_tips" else "complaints"
    assert listed(pipeline, send(pipeline, *NEAR_DUPLICATE))["category"] != target, "the test could not fail"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = open_inbox(browser, pipeline)
            page.click(f'button.queue[data-queue="{before["category"]}"]')
            page.click(f'{row(page, corrected)} button.subject')
            page.wait_for_selector(f'#view-body[data-id="{corrected}"]')
            page.select_option("#reassign", target)
            page.click("#do-reassign")
            page.wait_for_selector(row(page, corrected), state="detached")
            decision = feedback(pipeline.settings, 1, wanted=corrected)[corrected]
            assert (decision["old_label"], decision["new_label"]) == (before["category"], target)

            trained = planetmail(pipeline.settings, "train", "--with-feedback", "--folds", "0")
            candidate = Path(trained.strip().splitlines()[-1]).parent.name
            assert candidate != before["model_version"]
            promoted = planetmail(pipeline.settings, "model", "promote", candidate)
            assert f"model_version={candidate}" in promoted and "(forced)" not in promoted, promoted

            learned = classified_by(pipeline, candidate)
            assert learned["category"] == target, learned
            page.click(f'button.queue[data-queue="{target}"]')
            page.wait_for_selector(row(page, learned["id"]))
            page.screenshot(path=str(tmp_path / "inbox-after-retrain.png"), full_page=True)
            print(f"retrained {before['model_version']} -> {candidate}; screenshot {tmp_path}")
        finally:
            browser.close()

"""The dashboard in real headless Chromium while lifecycle events flow into an isolated mail.events."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from planetmail.inbound import utcnow
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from planetmail_local.observability import Observatory
from planetmail_local.observability.server import serve_in_background
from planetmail_local.observability.synthetic import publish, random_message

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CHART_IDS = ["chart-throughput", "chart-latency", "chart-category", "chart-mix", "chart-lag", "chart-reasons"]


@pytest.fixture
def mail_flow(isolated_settings: Settings) -> Iterator[None]:
    """A few messages per second through every stage, as the handlers would report them."""
    stop = threading.Event()
    producer = make_producer(isolated_settings)
    rng = random.Random(7)

    def flow() -> None:
        while not stop.is_set():
            # Each message's life ends about now, so it lands in the newest buckets.
            events = random_message(rng, utcnow() - timedelta(seconds=rng.uniform(0.2, 4)))
            publish(isolated_settings, producer, events)
            stop.wait(0.25)

    thread = threading.Thread(target=flow, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)
    producer.close()


def painted_pixels(page: Page, canvas_id: str) -> int:
    return int(page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
            return painted;
        }""", canvas_id))


def received_total(page: Page) -> int:
    return int(page.inner_text("#kpi-received-total").split()[0])


def test_dashboard_charts_render_and_numbers_move(isolated_settings: Settings, mail_flow: None,
                                                  tmp_path: Path) -> None:
    with Observatory(isolated_settings, lag_interval=1.0) as observatory, \
            serve_in_background(observatory) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1400})
            page.goto(f"{url}/")
            page.wait_for_function("window.planetmailDashboard.updates >= 1 "
                                   "&& window.planetmailDashboard.last.pipeline.totals.acknowledged > 0",
                                   timeout=30_000)
            before = received_total(page)
            page.wait_for_function(f"window.planetmailDashboard.last.pipeline.totals.received > {before}",
                                   timeout=20_000)
            page.wait_for_timeout(3500)  # one more refresh, so the DOM shows the new figures
            assert received_total(page) > before
            for canvas_id in CHART_IDS:
                assert painted_pixels(page, canvas_id) > 500, f"{canvas_id} looks blank"
            assert page.inner_text("#kpi-sla") not in ("", "–")
            assert page.locator("#recent tbody tr").count() >= 5

            page.locator("#recent tbody tr").first.click()
            page.wait_for_selector("#detail-timeline li")
            assert "received" in page.inner_text("#detail-timeline")

            screenshot = tmp_path / "dashboard.png"
            page.screenshot(path=str(screenshot), full_page=True)
            assert screenshot.stat().st_size > 20_000
            print(f"dashboard screenshot: {screenshot}")
        finally:
            browser.close()

"""The bench's baseline runs on the real broker and SMTP sink: every request it accepts is answered."""

from __future__ import annotations

import time

import httpx
import pytest

from planetmail.settings import Settings
from planetmail_local.bench.baseline import bare_pipeline
from planetmail_local.bench.follow import wait_for_acknowledgements
from planetmail_local.stack.config import StackConfig

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_bare_pipeline_acknowledges_what_it_accepted(stack_settings: Settings) -> None:
    viewer = f"http://127.0.0.1:{StackConfig.from_settings(stack_settings).smtp_viewer_port}"
    with bare_pipeline(stack_settings) as bare:
        accepted = {httpx.post(f"{bare.api_url}/webhooks/postmark", json={"Subject": f"No paper {n}"},
                               timeout=10).json()["id"] for n in range(5)}
        deliveries = wait_for_acknowledgements(viewer, accepted, time.time() + 60)

    assert set(bare.pids) == {"bare intake", "bare classify", "bare send"}
    assert accepted <= deliveries.times.keys()

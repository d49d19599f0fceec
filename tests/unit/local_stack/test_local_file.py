from __future__ import annotations

import json
import stat
from pathlib import Path

from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.local_file import write_local_file


def test_credentials_are_generated_once_and_kept(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path)
    first = write_local_file(config)
    second = write_local_file(config)
    assert first["api_token"] and first["api_token"] == second["api_token"]
    assert first["webhooks"] == second["webhooks"]
    assert first["webhooks"]["sendgrid"]["username"] == "sendgrid"
    assert len(first["webhooks"]["mailgun"]) == 64
    assert json.loads(config.local_file.read_text()) == second
    assert stat.S_IMODE(config.local_file.stat().st_mode) == 0o600


def test_urls_others_added_survive_a_rewrite(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path)
    write_local_file(config, {"dashboard_url": "http://127.0.0.1:8050"})
    assert write_local_file(config)["dashboard_url"] == "http://127.0.0.1:8050"


def test_two_instances_get_different_tokens(tmp_path: Path) -> None:
    one = write_local_file(StackConfig(state_dir=tmp_path / "a", cache_dir=tmp_path))
    two = write_local_file(StackConfig(state_dir=tmp_path / "b", cache_dir=tmp_path))
    assert one["api_token"] != two["api_token"]


def test_the_inbox_staff_token_is_its_own_and_read_by_the_inbox(tmp_path: Path) -> None:
    from inbox.settings import InboxSettings
    from planetmail.settings import Settings

    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path)
    first = write_local_file(config, {"inbox_url": "http://127.0.0.1:3000/inbox/"})
    second = write_local_file(config)
    assert first["inbox_token"] and first["inbox_token"] == second["inbox_token"] != first["api_token"]
    assert second["inbox_url"] == "http://127.0.0.1:3000/inbox/"
    inbox = InboxSettings.load(Settings.load(environ={}, state_dir=tmp_path), environ={})
    assert inbox.token.reveal() == first["inbox_token"]
    assert InboxSettings.load(inbox.pipeline, environ={"PLANETMAIL_INBOX_TOKEN": "x"}).token.reveal() == "x"

import json
from datetime import datetime

from planetmail_local.bench.follow import MailFolder
from planetmail_local.smtp_sink.store import Envelope, MessageStore

TRACKING_ID = "01M8DDXJ873MCSEFFMRM9BJKKY"


def message(subject):
    return f"Subject: {subject}\r\nFrom: a@example.com\r\n\r\nbody\r\n".encode()


def deliver(folder, subject):
    """As the SMTP sink stores it."""
    return MessageStore(folder).save(Envelope("a@example.com", ["b@example.com"]), message(subject))


def received_at(folder, message_id):
    meta = json.loads((folder / f"{message_id}.json").read_text(encoding="utf-8"))
    return meta["received_at"]


def test_acknowledgements_are_found_by_the_tracking_id_in_their_subject(tmp_path):
    acknowledgement = deliver(tmp_path, f"Re: your letter [{TRACKING_ID}]")
    deliver(tmp_path, "no tracking id here")
    times = MailFolder(tmp_path).read().times
    assert list(times) == [TRACKING_ID]
    assert times[TRACKING_ID] == [datetime.fromisoformat(received_at(tmp_path, acknowledgement)).timestamp()]


def test_each_poll_adds_only_new_messages_and_a_second_one_is_a_duplicate(tmp_path):
    folder = MailFolder(tmp_path)
    deliver(tmp_path, f"Re: hello [{TRACKING_ID}]")
    assert len(folder.read().times[TRACKING_ID]) == 1
    assert len(folder.read().times[TRACKING_ID]) == 1, "a message already seen is not counted again"
    deliver(tmp_path, f"Re: hello [{TRACKING_ID}]")
    assert len(folder.read().times[TRACKING_ID]) == 2


def test_a_message_still_being_written_is_read_once_complete(tmp_path):
    """The sink writes the envelope, then the message as ``.eml.part``, then renames it to ``.eml``."""
    folder = MailFolder(tmp_path)
    (tmp_path / "001.json").write_text(json.dumps({"received_at": "2026-11-27T03:00:00+00:00"}))
    (tmp_path / "001.eml.part").write_bytes(message(f"Re: hello [{TRACKING_ID}]"))
    assert TRACKING_ID not in folder.read().times
    (tmp_path / "001.eml.part").rename(tmp_path / "001.eml")
    assert folder.read().times[TRACKING_ID] == [1795748400.0]


def test_a_message_cleared_from_the_sink_while_listed_is_skipped(tmp_path):
    message_id = deliver(tmp_path, f"Re: hello [{TRACKING_ID}]")
    (tmp_path / f"{message_id}.json").unlink()
    assert TRACKING_ID not in MailFolder(tmp_path).read().times


def test_an_encoded_subject_is_decoded(tmp_path):
    deliver(tmp_path, f"=?utf-8?q?Re=3A_se=C3=B1or?= [{TRACKING_ID}]")
    assert TRACKING_ID in MailFolder(tmp_path).read().times

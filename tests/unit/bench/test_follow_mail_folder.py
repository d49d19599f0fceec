import json

from planetmail_local.bench.follow import MailFolder

TRACKING_ID = "01M8DDXJ873MCSEFFMRM9BJKKY"


def deliver(folder, name, subject, received_at="2026-11-27T03:00:00+00:00", meta=True):
    message = f"Subject: {subject}\r\nFrom: a@example.com\r\n\r\nbody\r\n"
    (folder / f"{name}.eml").write_bytes(message.encode())
    if meta:
        (folder / f"{name}.json").write_text(json.dumps({"received_at": received_at}), encoding="utf-8")


def test_acknowledgements_are_found_by_the_tracking_id_in_their_subject(tmp_path):
    deliver(tmp_path, "001", f"Re: your letter [{TRACKING_ID}]")
    deliver(tmp_path, "002", "no tracking id here")
    times = MailFolder(tmp_path).read().times
    assert list(times) == [TRACKING_ID]
    assert times[TRACKING_ID] == [1795748400.0]


def test_each_poll_adds_only_new_messages_and_a_second_one_is_a_duplicate(tmp_path):
    folder = MailFolder(tmp_path)
    deliver(tmp_path, "001", f"Re: hello [{TRACKING_ID}]")
    assert len(folder.read().times[TRACKING_ID]) == 1
    assert len(folder.read().times[TRACKING_ID]) == 1, "a message already seen is not counted again"
    deliver(tmp_path, "002", f"Re: hello [{TRACKING_ID}]", received_at="2026-11-27T03:00:05+00:00")
    assert len(folder.read().times[TRACKING_ID]) == 2


def test_a_message_still_being_written_is_read_once_complete(tmp_path):
    folder = MailFolder(tmp_path)
    deliver(tmp_path, "001", f"Re: hello [{TRACKING_ID}]", meta=False)
    assert TRACKING_ID not in folder.read().times
    (tmp_path / "001.json").write_text(json.dumps({"received_at": "2026-11-27T03:00:00+00:00"}))
    assert TRACKING_ID in folder.read().times


def test_an_encoded_subject_is_decoded(tmp_path):
    deliver(tmp_path, "001", f"=?utf-8?q?Re=3A_se=C3=B1or?= [{TRACKING_ID}]")
    assert TRACKING_ID in MailFolder(tmp_path).read().times

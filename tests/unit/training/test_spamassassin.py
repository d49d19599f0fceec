from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from retrain.examples import CorpusError
from retrain.spamassassin import TEST_FOLDERS, TRAINING_FOLDERS, load_folders, parse_message


def _raw(subject, plain=None, html=None):
    message = MIMEMultipart("alternative")
    message["Subject"] = subject
    if plain is not None:
        message.attach(MIMEText(plain, "plain", "utf-8"))
    if html is not None:
        message.attach(MIMEText(html, "html", "utf-8"))
    return message.as_bytes()


def test_a_plain_part_is_the_body():
    example = parse_message(_raw("Hello", plain="Meeting moved to Monday"), "other", "1")
    assert example.text == "Hello\nMeeting moved to Monday"
    assert example.category == "other"
    assert not example.spam
    assert example.source == "spamassassin"


def test_an_html_only_spam_is_read_as_text():
    example = parse_message(_raw("=?utf-8?q?Gana_dinero?=", html="<p>Click <b>now</b></p>"), "spam", "2")
    assert example.text == "Gana dinero\nClick now"
    assert example.spam


def test_copies_of_one_campaign_share_a_group():
    first = parse_message(_raw("FREE money 4 you!!", plain="x"), "spam", "1")
    second = parse_message(_raw("Re: Fwd: free MONEY 7 you", plain="y"), "spam", "2")
    assert first.group == second.group


def test_a_message_without_subject_is_its_own_group():
    assert parse_message(_raw("", plain="x"), "spam", "00042").group == "spamassassin:00042"


def test_load_reads_the_named_folders(tmp_path):
    (tmp_path / "spam-2").mkdir()
    (tmp_path / "easy-ham-2").mkdir()
    (tmp_path / "spam-2" / "1.txt").write_bytes(_raw("Win", plain="prize"))
    (tmp_path / "easy-ham-2" / "2.txt").write_bytes(b"Subject: list\n\nbody with \xff latin-1 byte")
    examples = load_folders(tmp_path, TRAINING_FOLDERS)
    assert [e.category for e in examples] == ["spam", "other"]
    assert [e.source for e in examples] == ["spamassassin:spam-2", "spamassassin:easy-ham-2"]
    assert "body with" in examples[1].text


def test_a_missing_folder_is_an_error_naming_it_and_the_fix(tmp_path):
    (tmp_path / "spam-2").mkdir()
    (tmp_path / "spam-2" / "1.txt").write_bytes(_raw("Win", plain="prize"))
    with pytest.raises(CorpusError, match=r"no easy-ham-2 in .*run 'planetmail up'"):
        load_folders(tmp_path, TRAINING_FOLDERS)


def test_the_test_split_is_never_a_training_folder():
    assert set(TRAINING_FOLDERS) == {"spam-2", "easy-ham-2"}
    assert set(TEST_FOLDERS) == {"spam-1", "easy-ham-1", "hard-ham-1"}
    assert not set(TRAINING_FOLDERS) & set(TEST_FOLDERS)

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from processor.spamassassin import load_spamassassin, parse_message


def _raw(subject, plain=None, html=None):
    message = MIMEMultipart("alternative")
    message["Subject"] = subject
    if plain is not None:
        message.attach(MIMEText(plain, "plain", "utf-8"))
    if html is not None:
        message.attach(MIMEText(html, "html", "utf-8"))
    return message.as_bytes()


def test_a_plain_part_is_the_body():
    example = parse_message(_raw("Hello", plain="Meeting moved to Monday"), None, "1")
    assert example.text == "Hello\nMeeting moved to Monday"
    assert example.category is None
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


def test_load_reads_spam_and_ham_folders(tmp_path):
    (tmp_path / "spam-2").mkdir()
    (tmp_path / "easy-ham-2").mkdir()
    (tmp_path / "spam-2" / "1.txt").write_bytes(_raw("Win", plain="prize"))
    (tmp_path / "easy-ham-2" / "2.txt").write_bytes(b"Subject: list\n\nbody with \xff latin-1 byte")
    examples = load_spamassassin(tmp_path)
    assert [e.category for e in examples] == ["spam", None]
    assert "body with" in examples[1].text


def test_a_missing_folder_gives_no_examples(tmp_path):
    assert load_spamassassin(tmp_path) == []

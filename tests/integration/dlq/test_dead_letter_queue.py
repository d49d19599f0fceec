import pytest
from click.testing import CliRunner
from kafka import TopicPartition

from planetmail import topics
from planetmail.dead_letters import HEADER_SOURCE_MAILBOX, dead_letter_headers
from planetmail.kafka import make_consumer, make_producer
from planetmail_local.cli.dlq import dlq
from planetmail_local.dead_letter_queue import DeadLetterQueue

pytestmark = pytest.mark.integration


def _dead_letter(settings, value: bytes, source_offset: int, error: str = "ValueError: poison") -> None:
    producer = make_producer(settings)
    headers = dead_letter_headers(error, settings.topic(topics.RECEIVED), 2, source_offset, 3)
    producer.send(settings.topic(topics.DLQ), key=b"reader@example.org", value=value, headers=headers)
    producer.flush()
    producer.close()


def _values_in(settings, topic: str) -> list[bytes]:
    consumer = make_consumer(settings, group_id=None, consumer_timeout_ms=1500)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    values = [record.value for record in consumer]
    consumer.close()
    return values


def test_replay_sends_each_dead_letter_back_once(isolated_settings):
    _dead_letter(isolated_settings, b"first", 10)
    _dead_letter(isolated_settings, b"second", 11)
    queue = DeadLetterQueue(isolated_settings)

    letters, cursor = queue.read()
    assert [(d.value, d.source_offset, d.attempts, d.error) for d in letters] == [
        (b"first", 10, 3, "ValueError: poison"), (b"second", 11, 3, "ValueError: poison")]
    assert cursor == 0

    assert [d.value for d in queue.replay()] == [b"first", b"second"]
    assert queue.replay() == []  # the cursor moved: nothing is replayed twice
    assert sorted(_values_in(isolated_settings, isolated_settings.topic(topics.RECEIVED))) == [
        b"first", b"second"]

    assert [d.value for d in queue.replay({1})] == [b"second"]  # an explicit offset is always replayed
    assert queue.read()[1] == 2


def test_cli_names_an_unknown_offset_in_one_line(isolated_settings, monkeypatch):
    _dead_letter(isolated_settings, b"only", 1)
    monkeypatch.setenv("PLANETMAIL_TOPIC_PREFIX", isolated_settings.topic_prefix)
    result = CliRunner().invoke(dlq, ["replay", "--offset", "7"])
    assert result.exit_code == 2
    assert "no dead letter at offset(s) 7" in result.output
    assert "Traceback" not in result.output

    listing = CliRunner().invoke(dlq, ["list"])
    assert listing.exit_code == 0, listing.output
    assert "ValueError: poison" in listing.output


def test_list_shows_the_whole_error_where_the_fix_is_named(isolated_settings, monkeypatch):
    error = "SMTPRecipientsRefused: 550 5.7.1 relaying denied " + "x" * 120 + " fix: SMTP-AUTH-FOR-RELAY"
    _dead_letter(isolated_settings, b"long", 1, error)
    monkeypatch.setenv("PLANETMAIL_TOPIC_PREFIX", isolated_settings.topic_prefix)

    listing = CliRunner().invoke(dlq, ["list"], env={"COLUMNS": "120"})

    assert listing.exit_code == 0, listing.output
    assert "SMTP-AUTH-FOR-RELAY" in listing.output  # was cut at 80 characters


def test_imap_quarantine_is_listed_but_never_replayed_through_kafka(isolated_settings, monkeypatch):
    """The collector's quarantined IMAP messages (header x-source-mailbox, no source topic) show in
    'planetmail dlq list'; replay skips them, and naming one says how to retry it instead."""
    producer = make_producer(isolated_settings)
    headers = [*dead_letter_headers("400 Malformed request: MAX_COMMENT_DEPTH", "", -1, 1, 1),
               (HEADER_SOURCE_MAILBOX, b"letters@127.0.0.1/INBOX#1")]
    producer.send(isolated_settings.topic(topics.DLQ), key=b"imap:1", value=b"{}", headers=headers)
    producer.flush()
    producer.close()
    _dead_letter(isolated_settings, b"replayable", 5)
    monkeypatch.setenv("PLANETMAIL_TOPIC_PREFIX", isolated_settings.topic_prefix)

    listing = CliRunner().invoke(dlq, ["list"], env={"COLUMNS": "200"})
    replayed = [d.value for d in DeadLetterQueue(isolated_settings).replay()]
    named = CliRunner().invoke(dlq, ["replay", "--offset", "0"])

    assert "IMAP quarantine letters@127.0.0.1/INBOX#1" in listing.output
    assert replayed == [b"replayable"]
    assert named.exit_code == 2 and "back to the inbox" in named.output

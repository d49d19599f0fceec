"""Read and replay ``mail.dlq``; the replay cursor is a consumer group, so a record is replayed once."""

from __future__ import annotations

from collections.abc import Callable

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from planetmail import topics
from planetmail.dead_letters import DeadLetter
from planetmail.kafka import make_consumer, make_producer
from planetmail.settings import Settings

REPLAY_GROUP = "planetmail-dlq-replay"


class DeadLetterError(LookupError):
    """The request cannot be carried out; the message names the cause and the fix."""


class DeadLetterQueue:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._partition = TopicPartition(settings.topic(topics.DLQ), 0)

    def read(self) -> tuple[list[DeadLetter], int]:
        """Every dead letter, and the replay cursor (records below it were replayed already)."""
        consumer = make_consumer(self._settings, group_id=REPLAY_GROUP, consumer_timeout_ms=1500)
        try:
            if self._partition.topic not in consumer.topics():
                raise DeadLetterError(f"topic {self._partition.topic} does not exist; "
                                      "create the topics with 'planetmail up'")
            consumer.assign([self._partition])
            cursor = consumer.committed(self._partition) or 0
            end = consumer.end_offsets([self._partition])[self._partition]
            consumer.seek_to_beginning(self._partition)
            letters: list[DeadLetter] = []
            while end and (not letters or letters[-1].offset < end - 1):
                batch = consumer.poll(timeout_ms=1000).get(self._partition, [])
                if not batch:
                    break
                letters += [DeadLetter.from_record(r.offset, r.key, r.value, r.headers) for r in batch]
            return letters, cursor
        finally:
            consumer.close()

    def replay(self, offsets: set[int] | None = None,
               on_replayed: Callable[[DeadLetter], None] = lambda _: None) -> list[DeadLetter]:
        """Send dead letters back to their source topics.

        With ``offsets``, exactly those records (the cursor stays put); without, every record past
        the cursor, which then moves to the end, so running it twice replays nothing the second time.
        """
        letters, cursor = self.read()
        chosen = [d for d in letters if (d.offset in offsets if offsets is not None else d.offset >= cursor)]
        unknown = (offsets or set()) - {d.offset for d in letters}
        if unknown:
            listed = ", ".join(map(str, sorted(unknown)))
            raise DeadLetterError(f"no dead letter at offset(s) {listed}; see 'planetmail dlq list'")
        quarantined = [d for d in chosen if d.source_mailbox]
        if offsets is not None and quarantined:
            first = quarantined[0]
            raise DeadLetterError(
                f"offset {first.offset} is an IMAP message in quarantine ({first.source_mailbox}); move it "
                "from the quarantine folder back to the inbox to collect it again")
        chosen = [d for d in chosen if not d.source_mailbox]  # not replayable through Kafka
        producer = make_producer(self._settings)
        try:
            for letter in chosen:
                if not letter.source_topic:
                    raise DeadLetterError(f"dead letter at offset {letter.offset} names no source topic; "
                                          "replay it by hand with the Kafka console producer")
                producer.send(letter.source_topic, key=letter.key, value=letter.value).get(timeout=30)
                on_replayed(letter)
        finally:
            producer.close()
        if offsets is None and letters:
            self._commit(letters[-1].offset + 1)
        return chosen

    def _commit(self, offset: int) -> None:
        consumer = make_consumer(self._settings, group_id=REPLAY_GROUP)
        try:
            consumer.assign([self._partition])
            consumer.commit({self._partition: OffsetAndMetadata(offset, "", -1)})
        finally:
            consumer.close()

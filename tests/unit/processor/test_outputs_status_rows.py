"""Outputs.flush: status rows are written in one go, and a failed write fails the messages it concerns."""

from botocore.exceptions import ClientError
from processor_fakes import FakeProducer, FakeReporter

from planetmail.kafka_event import KafkaMessage
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from processor.outputs import Outputs

SETTINGS = Settings.load(environ={})


class RowlessReporter(FakeReporter):
    """The status table refuses the batch write."""

    def write_rows(self):
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "BatchWriteItem")


def message(offset):
    return KafkaMessage(topic="mail.received", partition=0, offset=offset, key=b"k", value=b"{}")


def step(tracking_id):
    return LifecycleEvent(id=tracking_id, stage="processor", state="classified")


def test_messages_whose_rows_were_not_written_are_retried_but_a_dead_letter_is_not():
    outputs = Outputs(SETTINGS, FakeProducer(), RowlessReporter(FakeProducer()))
    routed, dead = message(1), message(2)
    outputs.lifecycle(routed, step("A"))
    outputs.dead_letter(dead, "not an email")
    outputs.lifecycle(dead, step("B"))
    assert outputs.flush() == {routed}
    assert outputs.flush() == set(), "the next batch starts clean"


def test_with_the_rows_written_nothing_fails():
    producer = FakeProducer()
    outputs = Outputs(SETTINGS, producer, FakeReporter(producer))
    outputs.lifecycle(message(1), step("A"))
    assert outputs.flush() == set()


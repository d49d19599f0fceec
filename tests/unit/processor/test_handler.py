import base64
from types import SimpleNamespace

import pytest
from processor_fakes import FakeProducer, FakeReporter

from planetmail import codec
from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from processor import handler as processor_handler
from processor.outputs import Outputs


class OneModel:
    def __init__(self, classifier):
        self.classifier_ = classifier
        self.versions = []

    def classifier(self, version=""):
        self.versions.append(version)
        return self.classifier_


@pytest.fixture
def worker(classifier):
    producer = FakeProducer(failing_topics={"mail.ack"})
    runtime = SimpleNamespace(
        config=lambda: PipelineConfig(model_version="v-test"),
        models=OneModel(classifier),
        outputs=Outputs(Settings.load(environ={}), producer, FakeReporter(producer)),
    )
    processor_handler.use_runtime(runtime)
    yield runtime
    processor_handler.use_runtime(None)


def _record(offset, email):
    value = base64.b64encode(codec.encode(email)).decode()
    return {
        "topic": "mail.received",
        "partition": 1,
        "offset": offset,
        "timestamp": 0,
        "timestampType": "CREATE_TIME",
        "value": value,
        "headers": [],
    }


def test_the_handler_answers_with_batch_item_failures(worker):
    email = InboundEmail(
        id="01A",
        received_at="2026-11-26T10:00:00Z",
        source="api",
        text="Cancel my subscription",
        **{"from": {"address": "a@example.com"}},
    )
    spam = email.model_copy(
        update={"id": "01B", "text": "You have won a million dollars click here to claim"}
    )
    event = {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": "127.0.0.1:9092",
        "records": {"mail.received-1": [_record(10, email), _record(11, spam)]},
    }
    answer = processor_handler.handler(event, None)
    assert answer == {
        "batchItemFailures": [{"itemIdentifier": {"partition": "mail.received-1", "offset": 10}}]
    }
    assert worker.models.versions == ["v-test"]


def test_an_empty_event_needs_no_runtime(worker):
    processor_handler.use_runtime(None)
    assert processor_handler.handler({"eventSource": "aws:kafka", "records": {}}, None) == {
        "batchItemFailures": []
    }

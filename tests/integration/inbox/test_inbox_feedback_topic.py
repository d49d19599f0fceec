"""Staff decisions taken through the API read back from the real mail.feedback as training pairs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from inbox_stack import an_email, stored

from inbox.runtime import Runtime
from planetmail import topics
from planetmail.kafka import make_producer
from retrain.feedback_topic import feedback_pairs

pytestmark = pytest.mark.integration


def test_decisions_become_pairs_newest_label_winning(client: TestClient, runtime: Runtime) -> None:
    settings = runtime.settings.pipeline
    producer = make_producer(settings)
    producer.send(settings.topic(topics.FEEDBACK), key=b"junk", value=b"not json").get(timeout=10)
    producer.close()
    late = stored(runtime.store, an_email("Late again", "The paper came at noon."), "human_review")
    thanks = stored(runtime.store, an_email("Great story", "Loved the election coverage."), "praise")
    for path, body in ((f"{late.id}/label", {"category": "questions"}),
                       (f"{late.id}/label", {"category": "complaints"}),
                       (f"{thanks.id}/handled", None)):
        assert client.post(f"/inbox/api/messages/{path}", json=body).status_code == 200
    pairs = dict(feedback_pairs(settings))
    assert pairs["Late again\nThe paper came at noon."] == "complaints"
    assert pairs["Great story\nLoved the election coverage."] == "praise"

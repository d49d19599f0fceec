"""Sample records shared by the common unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from planetmail.ack import AckRequest
from planetmail.classification import Classification, ClassifiedEmail
from planetmail.inbound import Address, InboundEmail
from planetmail.lifecycle import LifecycleEvent

RECEIVED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def email(**changes: object) -> InboundEmail:
    fields: dict[str, object] = {
        "id": "01JDQ0000000000000000000AB", "received_at": RECEIVED, "source": "sendgrid",
        "from": Address(address="Reader@Example.org", name="A Reader"),
        "to": [Address(address="letters@dailyplanet.example")], "subject": "Carta al director",
        "text": "Me encantó el artículo — ¡gracias!", "headers": {"X-Mailer": "mutt"},
    }
    return InboundEmail.model_validate({**fields, **changes})


def classification() -> Classification:
    return Classification(category="praise", confidence=0.93, language="es", classified_at=RECEIVED)


def every_record() -> list[object]:
    message = email()
    return [
        message,
        ClassifiedEmail(id=message.id, email=message, classification=classification()),
        AckRequest(id=message.id, email=message, classification=classification(), requested_at=RECEIVED),
        LifecycleEvent(id=message.id, stage="collector", state="received", at=RECEIVED,
                       received_at=RECEIVED, detail={"source": "sendgrid"}),
    ]

from __future__ import annotations

import pydantic
import pytest
from common_records import RECEIVED, email

from planetmail.classification import Classification
from planetmail.inbound import Address, new_tracking_id


def test_sender_is_the_from_address_normalised() -> None:
    assert Address(address="  Reader@Example.ORG ").normalised == "reader@example.org"
    assert email().from_.address == "Reader@Example.org"


def test_records_are_immutable() -> None:
    with pytest.raises(pydantic.ValidationError):
        email().subject = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_confidence_is_a_probability(confidence: float) -> None:
    with pytest.raises(pydantic.ValidationError):
        Classification(category="praise", confidence=confidence, language="en", classified_at=RECEIVED)


def test_tracking_ids_are_26_crockford_characters_sorted_by_time() -> None:
    earlier, later = new_tracking_id(now=1_700_000_000.0), new_tracking_id(now=1_700_000_000.002)
    assert len(earlier) == 26 and set(earlier) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert earlier < later


def test_field_named_from_accepts_its_python_name_too() -> None:
    address = Address(address="a@b.example")
    assert email(**{"from": address}).from_ == address

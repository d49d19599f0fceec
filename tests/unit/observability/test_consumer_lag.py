"""compute_lag: end offsets minus committed offsets, per group and topic."""

from __future__ import annotations

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from planetmail_local.observability.lag import GroupLag, compute_lag


def committed(offset: int) -> OffsetAndMetadata:
    return OffsetAndMetadata(offset, "", -1)


def test_lag_is_summed_over_partitions_and_never_negative():
    p0, p1 = TopicPartition("mail.received", 0), TopicPartition("mail.received", 1)
    other = TopicPartition("x", 0)
    lag = compute_lag(
        {"processor": {p0: committed(5), p1: committed(12)}, "idle": {p0: committed(-1)},
         "gone": {other: committed(3)}},
        {p0: 10, p1: 11},
    )
    assert lag == [GroupLag("processor", "mail.received", 5, 2)]

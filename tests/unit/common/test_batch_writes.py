import pytest

from planetmail import aws


class BatchWriter:
    """BatchWriteItem that hands back the first ``unprocessed`` items of a call, ``stubborn`` times."""

    def __init__(self, unprocessed: int = 0, stubborn: int = 0) -> None:
        self.unprocessed = unprocessed
        self.stubborn = stubborn
        self.calls: list[list[str]] = []

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        self.calls.append([r["PutRequest"]["Item"]["id"]["S"] for r in requests])
        if self.stubborn and self.unprocessed:
            self.stubborn -= 1
            return {"UnprocessedItems": {table: requests[: self.unprocessed]}}
        return {"UnprocessedItems": {}}


def items(count):
    return [{"id": {"S": f"i{n}"}} for n in range(count)]


def test_items_go_25_per_call():
    writer = BatchWriter()
    aws.put_all(writer, "t", items(60), pause=lambda _: None)
    assert [len(call) for call in writer.calls] == [25, 25, 10]
    assert sorted(i for call in writer.calls for i in call) == sorted(f"i{n}" for n in range(60))


def test_unprocessed_items_are_sent_again_after_a_pause():
    writer = BatchWriter(unprocessed=2, stubborn=2)
    pauses = []
    aws.put_all(writer, "t", items(5), pause=pauses.append)
    assert writer.calls == [["i0", "i1", "i2", "i3", "i4"], ["i0", "i1"], ["i0", "i1"]]
    assert len(pauses) == 2 and pauses[0] < pauses[1]


def test_items_still_unprocessed_after_the_retries_are_an_error():
    writer = BatchWriter(unprocessed=1, stubborn=aws.UNPROCESSED_ATTEMPTS)
    with pytest.raises(aws.UnprocessedItemsError, match="1 items unprocessed"):
        aws.put_all(writer, "t", items(3), pause=lambda _: None)
    assert len(writer.calls) == aws.UNPROCESSED_ATTEMPTS


def test_nothing_to_write_makes_no_call():
    writer = BatchWriter()
    aws.put_all(writer, "t", [], pause=lambda _: None)
    assert writer.calls == []


def test_one_item_per_table_goes_in_one_call():
    calls = []

    class Writer:
        def batch_write_item(self, RequestItems):
            calls.append({table: [r["PutRequest"]["Item"] for r in rs] for table, rs in RequestItems.items()})
            return {}

    aws.put_across(Writer(), {"status": {"id": {"S": "a"}}, "ledger": {"id": {"S": "b"}}})
    assert calls == [{"status": [{"id": {"S": "a"}}], "ledger": [{"id": {"S": "b"}}]}]

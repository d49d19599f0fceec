"""The staff-state table on the real local AWS endpoint: merges in any order, queues, counts, pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inbox_stack import an_email, classified, spread, stored

from inbox.runtime import Runtime
from inbox.store import BadCursor, StaleDecision, email_of, listed_item

pytestmark = pytest.mark.integration


def test_a_message_is_listed_once_email_and_verdict_arrived_in_either_order(runtime: Runtime) -> None:
    store = runtime.store
    first, second = an_email("First"), an_email("Second")
    store.add_email(first)
    assert store.get(first.id) is None  # not classified yet: in no queue
    store.add_classification(first.id, classified("complaints"))
    store.add_classification(second.id, classified("complaints"))
    assert store.get(second.id) is None  # no email yet
    store.add_email(second)
    store.add_email(second)  # a redelivery changes nothing
    store.add_classification(second.id, classified("complaints"))
    page = store.queue_page("complaints", "open", limit=10)
    assert [item["subject"] for item in page.items] == ["First", "Second"]
    assert store.counts()["complaints"]["open"] == {"en": 2, "es": 0, "": 0}


def test_a_late_verdict_does_not_undo_a_staff_decision(runtime: Runtime) -> None:
    store = runtime.store
    email = stored(store, an_email(), "human_review")
    item = store.get(email.id)
    assert item is not None
    store.move(item, "praise", "open", {})
    store.add_classification(email.id, classified("human_review", confidence=0.3))  # redelivered
    moved = store.get(email.id)
    assert moved is not None
    assert (moved["category"]["S"], moved["model_category"]["S"]) == ("praise", "human_review")
    assert store.counts()["human_review"]["open"]["en"] == 0
    assert store.counts()["praise"]["open"]["en"] == 1


def test_a_change_on_a_message_that_moved_meanwhile_is_refused(runtime: Runtime) -> None:
    store = runtime.store
    email = stored(store, an_email(), "questions")
    seen = store.get(email.id)
    assert seen is not None
    store.move(seen, "questions", "handled", {})
    with pytest.raises(StaleDecision, match="changed since it was read"):
        store.move(seen, "complaints", "open", {})


def test_queues_page_oldest_or_newest_first_with_cursors_and_filters(runtime: Runtime) -> None:
    store = runtime.store
    times = spread(7, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    for n, moment in enumerate(times):  # emails the processor never classified: listed nowhere
        store.add_email(an_email(f"Subject {n}", received_at=moment))
    ids = [item["id"] for item in store.queue_page("complaints", "open", limit=50).items]
    assert ids == []
    emails = [an_email(f"Message {n}", received_at=moment) for n, moment in enumerate(times)]
    for n, email in enumerate(emails):
        store.add_email(email)
        store.add_classification(email.id, classified("complaints", "es" if n % 2 else "en"))
    first = store.queue_page("complaints", "open", limit=3)
    second = store.queue_page("complaints", "open", limit=3, cursor=first.cursor)
    assert [i["subject"] for i in first.items + second.items] == [f"Message {n}" for n in range(6)]
    newest = store.queue_page("complaints", "open", limit=2, newest_first=True)
    assert [i["subject"] for i in newest.items] == ["Message 6", "Message 5"]
    spanish = store.queue_page("complaints", "open", limit=10, language="es")
    assert [i["subject"] for i in spanish.items] == ["Message 1", "Message 3", "Message 5"]
    assert [i["subject"] for i in store.queue_page("complaints", "open", limit=10, subject="ssage 4").items] \
        == ["Message 4"]
    assert len(store.sender_page("ANA@example.org", limit=50).items) == 7


def test_a_cursor_not_handed_out_by_the_store_is_refused(runtime: Runtime) -> None:
    for cursor in ("not-base64!", "eyJhIjoxfQ", "W10"):
        with pytest.raises(BadCursor):
            runtime.store.queue_page("complaints", "open", limit=5, cursor=cursor)


def test_a_bulk_loaded_item_is_the_item_the_merges_leave(runtime: Runtime) -> None:
    """The benchmark loads listed_item() directly: it must measure the layout the indexer writes."""
    email = stored(runtime.store, an_email(), "praise")
    merged = runtime.store.get(email.id)
    assert merged is not None
    assert {name: value for name, value in merged.items() if name != "email"} == \
        {name: value for name, value in listed_item(email, classified("praise")).items() if name != "email"}
    assert email_of(merged) == email

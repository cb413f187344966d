"""What a consumer of a versioned event is bound to, and how each version reaches its handler."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events import CATALOGUE, EventData, EventMeta
from shared.events.upcasting import readings, upcaster
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork
from tests.versioned_events import MeetingNoted, MeetingNotedAsFirstPublished, MeetingNotedV2, Place

SCRATCH: dict[str, type[EventData]] = {}


class NoteV1(EventData, event_type="wards.note.taken.v1", catalogue=SCRATCH):
    text: str


class NoteV2(EventData, event_type="wards.note.taken.v2", catalogue=SCRATCH):
    body: str


class NoteV3(EventData, event_type="wards.note.taken.v3", catalogue=SCRATCH):
    body: str
    words: int


@upcaster(NoteV1, NoteV2)
def text_is_body(data: dict[str, Any]) -> dict[str, Any]:
    return {"body": data["text"]}


@upcaster(NoteV2, NoteV3)
def words_are_counted(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "words": len(data["body"].split())}


def test_the_example_types_stay_out_of_the_published_catalogue():
    assert "wards.meeting.noted.v1" not in CATALOGUE
    assert "wards.note.taken.v1" not in CATALOGUE


def test_a_consumer_of_the_newest_version_is_bound_to_the_older_ones_too():
    async def record(event: MeetingNotedV2, meta: EventMeta, uow: UnitOfWork) -> None: ...

    consumer = Consumer("test.meetings", record)
    assert consumer.events == (MeetingNotedV2,)
    assert consumer.bindings == ("wards.meeting.noted.v2", "wards.meeting.noted.v1")


def test_a_consumer_of_v1_is_not_bound_to_v2():
    async def record(event: MeetingNoted, meta: EventMeta, uow: UnitOfWork) -> None: ...

    assert Consumer("test.meetings", record).bindings == ("wards.meeting.noted.v1",)


def test_an_old_version_is_upcast_through_every_version_between():
    read = readings([NoteV3])
    assert set(read) == {"wards.note.taken.v1", "wards.note.taken.v2", "wards.note.taken.v3"}
    assert read["wards.note.taken.v1"].read({"text": "three short words"}) == NoteV3(body="three short words", words=3)
    assert read["wards.note.taken.v2"].read({"body": "two words"}) == NoteV3(body="two words", words=2)


def test_a_version_the_consumer_names_itself_is_read_as_itself_not_upcast():
    read = readings([NoteV1, NoteV3])
    assert read["wards.note.taken.v1"].read({"text": "kept as it was"}) == NoteV1(text="kept as it was")
    assert read["wards.note.taken.v2"].read({"body": "up to three"}) == NoteV3(body="up to three", words=3)


def test_the_additive_change_reads_both_ways():
    old_producer = {"meeting_id": "m1", "gss_code": "E05012345", "attendees": 9}
    new_producer = {**old_producer, "venue": "Rawmarsh Library"}
    assert readings([MeetingNoted])["wards.meeting.noted.v1"].read(old_producer) == MeetingNoted(**old_producer)
    first = readings([MeetingNotedAsFirstPublished])["wards.meeting.noted.v1"].read(new_producer)
    assert first == MeetingNotedAsFirstPublished(meeting_id="m1", gss_code="E05012345", attendees=9)
    upcast = readings([MeetingNotedV2])["wards.meeting.noted.v1"].read(new_producer)
    assert upcast == MeetingNotedV2(
        meeting_id="m1", ward="E05012345", attendees=9, place=Place(name="Rawmarsh Library")
    )


def test_an_upcaster_links_only_one_version_to_the_next():
    with pytest.raises(ValueError, match="not its next version"):
        upcaster(NoteV1, NoteV3)
    with pytest.raises(ValueError, match="has an upcaster already"):
        upcaster(NoteV1, NoteV2)(text_is_body)


def test_a_handler_not_typed_with_catalogue_models_is_refused():
    async def untyped(event: dict[str, Any], meta: EventMeta, uow: UnitOfWork) -> None: ...

    with pytest.raises(TypeError, match="must be typed with the catalogue models"):
        Consumer("test.untyped", untyped)

"""Versioned events through a real queue: a consumer of v2 receives v1 events upcast; a v1 reader keeps v1."""

from __future__ import annotations

import asyncio

from shared.events import EventMeta, new_envelope
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork
from tests.integration.test_backbone import probe_definition, publish_raw, queue_depth_is
from tests.support import COUNCIL, eventually, running_service
from tests.versioned_events import MeetingNoted, MeetingNotedAsFirstPublished, MeetingNotedV2, Place

WARD = "E05012345"


async def test_a_v2_consumer_receives_v1_events_upcast_and_v1_readers_keep_reading_v1(settings_for_test, amqp_url):
    as_v2: list[tuple[str, MeetingNotedV2]] = []
    as_v1: list[MeetingNoted] = []
    as_first_published: list[MeetingNotedAsFirstPublished] = []

    async def record_v2(event: MeetingNotedV2, meta: EventMeta, uow: UnitOfWork) -> None:
        as_v2.append((meta.type, event))

    async def record_v1(event: MeetingNoted, meta: EventMeta, uow: UnitOfWork) -> None:
        as_v1.append(event)

    async def record_as_first_published(event: MeetingNotedAsFirstPublished, meta: EventMeta, uow: UnitOfWork) -> None:
        as_first_published.append(event)

    consumers = (
        Consumer("test.meetings-v2", record_v2),
        Consumer("test.meetings-v1", record_v1),
        Consumer("test.meetings-first", record_as_first_published),
    )
    # Three producers during the deprecation window: one from before the additive change, one after
    # it, and one publishing v2.
    old_v1 = MeetingNotedAsFirstPublished(meeting_id="m1", gss_code=WARD, attendees=7)
    new_v1 = MeetingNoted(meeting_id="m2", gss_code=WARD, attendees=9, venue="Rawmarsh Library")
    v2 = MeetingNotedV2(
        meeting_id="m3", ward=WARD, attendees=11, place=Place(name="Wath Town Hall", postcode="S63 7AA")
    )

    async with running_service(probe_definition(*consumers), settings_for_test("wards")):
        for data in (old_v1, new_v1, v2):
            await publish_raw(amqp_url, new_envelope("wards", data, subject=data.meeting_id, council=COUNCIL))
        await eventually(lambda: _async(len(as_v2) == 3 and len(as_v1) == 2 and len(as_first_published) == 2))
        await asyncio.sleep(0.5)  # time for a v2 to reach a v1 reader, were it bound to v2
        for consumer in consumers:
            assert await queue_depth_is(amqp_url, f"{consumer.name}.dlq", 0)

    assert sorted(as_v2, key=lambda seen: seen[1].meeting_id) == [
        ("wards.meeting.noted.v1", MeetingNotedV2(meeting_id="m1", ward=WARD, attendees=7, place=None)),
        (
            "wards.meeting.noted.v1",
            MeetingNotedV2(meeting_id="m2", ward=WARD, attendees=9, place=Place(name="Rawmarsh Library")),
        ),
        ("wards.meeting.noted.v2", v2),
    ]
    # The additive change, both ways: the new reader reads an old producer's event, the old reader a new one's.
    assert sorted(as_v1, key=lambda e: e.meeting_id) == [
        MeetingNoted(meeting_id="m1", gss_code=WARD, attendees=7, venue=None),
        new_v1,
    ]
    assert sorted(as_first_published, key=lambda e: e.meeting_id) == [
        old_v1,
        MeetingNotedAsFirstPublished(meeting_id="m2", gss_code=WARD, attendees=9),
    ]


async def _async(value: object) -> object:
    return value

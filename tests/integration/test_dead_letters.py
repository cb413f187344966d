"""Ops can list dead letters, see why they died, and replay them once the fault is fixed."""

from __future__ import annotations

from shared.cli.ops import list_dead_letters, replay_dead_letters
from shared.events import EventMeta, new_envelope
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.messaging.topology import dlq_name
from shared.unit_of_work import UnitOfWork
from tests.integration.test_backbone import probe_definition, publish_raw, queue_depth_is, ward_event
from tests.support import COUNCIL, eventually, running_service


async def test_a_dead_letter_is_listed_with_its_error_and_replayed_after_the_fix(settings_for_test, amqp_url):
    fixed = False
    handled: list[str] = []

    async def handler(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        if not fixed:
            raise ValueError("ward code not recognised")
        handled.append(meta.id)

    consumer = Consumer("test.replayable", handler)
    settings = settings_for_test("wards", retry_delays_ms=[100], max_attempts=2)
    async with running_service(probe_definition(consumer), settings):
        envelope = new_envelope("wards", ward_event("E05000042"), subject="E05000042", council=COUNCIL)
        await publish_raw(amqp_url, envelope)
        await eventually(lambda: queue_depth_is(amqp_url, dlq_name("test.replayable"), 1), timeout=20)

        report = await list_dead_letters(settings, peek=5)
        entry = next(q for q in report if q["queue"] == "test.replayable.dlq")
        assert entry["messages"] == 1
        [peeked] = entry["peek"]
        assert peeked["id"] == envelope.id
        assert peeked["type"] == "wards.ward.registered.v1"
        assert peeked["attempts"] == 2
        assert "ward code not recognised" in peeked["error"]
        # peeking leaves the message where it was
        await eventually(lambda: queue_depth_is(amqp_url, dlq_name("test.replayable"), 1))

        fixed = True
        assert await replay_dead_letters(settings, "test.replayable") == 1
        await eventually(lambda: _async(handled == [envelope.id]))
        assert await queue_depth_is(amqp_url, dlq_name("test.replayable"), 0)


async def _async(value: object) -> object:
    return value
